package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.api.client.json.gson.GsonFactory;
import com.google.api.client.json.webtoken.JsonWebSignature;
import com.google.api.client.json.webtoken.JsonWebToken;
import com.google.auth.oauth2.TokenVerifier;
import com.sun.net.httpserver.HttpServer;

/**
 * The checks of an ID token after its signature: issuer, audience (configured, or https://<Host>), a
 * verified email; and the keys fetched once from TOKEN_CERTS_URL, not per request.
 */
class GoogleIdTokensTest {

  private static final String HOST = "engine-abc-ew.a.run.app";
  private static KeyPair key;
  private static KeyPair otherKey;
  private static HttpServer certs;
  private static final AtomicInteger certFetches = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    key = generator.generateKeyPair();
    otherKey = generator.generateKeyPair();
    certs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    certs.createContext("/certs", exchange -> {
      certFetches.incrementAndGet();
      byte[] body = jwks((RSAPublicKey) key.getPublic()).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    certs.start();
  }

  @AfterAll
  static void stop() {
    certs.stop(0);
  }

  private static String jwks(RSAPublicKey publicKey) {
    var base64 = Base64.getUrlEncoder().withoutPadding();
    return "{\"keys\":[{\"kid\":\"test-key\",\"kty\":\"RSA\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\""
        + base64.encodeToString(unsigned(publicKey.getModulus())) + "\",\"e\":\""
        + base64.encodeToString(unsigned(publicKey.getPublicExponent())) + "\"}]}";
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static String token(KeyPair signer, Consumer<JsonWebToken.Payload> claims)
      throws GeneralSecurityException, IOException {
    var header = new JsonWebSignature.Header().setAlgorithm("RS256").setType("JWT").setKeyId("test-key");
    var payload = new JsonWebToken.Payload().setIssuer("https://accounts.google.com").setAudience("https://" + HOST)
        .setExpirationTimeSeconds(System.currentTimeMillis() / 1000 + 600)
        .setIssuedAtTimeSeconds(System.currentTimeMillis() / 1000);
    payload.set("email", "echo@p.iam.gserviceaccount.com");
    payload.set("email_verified", true);
    claims.accept(payload);
    return JsonWebSignature.signUsingRsaSha256(signer.getPrivate(), GsonFactory.getDefaultInstance(), header, payload);
  }

  private static GoogleIdTokens tokens(List<String> audiences) {
    String url = "http://127.0.0.1:" + certs.getAddress().getPort() + "/certs";
    return new GoogleIdTokens(TokenVerifier.newBuilder().setCertificatesLocation(url).build(), audiences);
  }

  private static String refusal(GoogleIdTokens tokens, String token, String host, int status) {
    var refusal = assertThrows(GoogleIdTokens.Refusal.class, () -> tokens.verifiedEmail(token, host));
    assertEquals(status, refusal.status, refusal.getMessage());
    assertTrue(!refusal.getMessage().contains("\n") && !refusal.getMessage().contains(token), refusal.getMessage());
    return refusal.getMessage();
  }

  @Test
  void acceptsAGoogleTokenForTheHostWithOrWithoutATrailingSlash() throws Exception {
    GoogleIdTokens tokens = tokens(List.of());
    assertEquals("echo@p.iam.gserviceaccount.com", tokens.verifiedEmail(token(key, p -> { }), HOST));
    assertEquals("echo@p.iam.gserviceaccount.com",
        tokens.verifiedEmail(token(key, p -> p.setIssuer("accounts.google.com").setAudience("https://" + HOST + "/")),
            HOST));
    assertTrue(refusal(tokens, token(key, p -> { }), "other.a.run.app", 401).contains("audience https://" + HOST));
  }

  @Test
  void acceptsOnlyTheConfiguredAudiencesWhenThereAreAny() throws Exception {
    GoogleIdTokens tokens = tokens(List.of("https://engine.example.com", "client-id"));
    assertEquals("echo@p.iam.gserviceaccount.com",
        tokens.verifiedEmail(token(key, p -> p.setAudience(List.of("x", "client-id"))), HOST));
    refusal(tokens, token(key, p -> { }), HOST, 401);
  }

  @Test
  void refusesTokensThatAreNotGoodGoogleIdTokens() throws Exception {
    GoogleIdTokens tokens = tokens(List.of());
    assertEquals("the token has expired",
        refusal(tokens, token(key, p -> p.setExpirationTimeSeconds(System.currentTimeMillis() / 1000 - 60)), HOST, 401));
    assertTrue(refusal(tokens, token(otherKey, p -> { }), HOST, 401).contains("signature does not verify"));
    assertTrue(refusal(tokens, token(key, p -> p.setIssuer("https://evil.example.com")), HOST, 401).contains("issuer"));
    assertTrue(refusal(tokens, token(key, p -> p.remove("email")), HOST, 401).contains("no email"));
    assertTrue(refusal(tokens, token(key, p -> p.set("email_verified", false)), HOST, 401).contains("not verified"));
    assertEquals("the token is not a JWT", refusal(tokens, "not-a-token", HOST, 401));
    String stripped = token(key, p -> { }).replaceAll("\\.[^.]+$", ".SIGNATURE_REMOVED_BY_GOOGLE");
    assertTrue(refusal(tokens, stripped, HOST, 401).contains("X-Serverless-Authorization"));
  }

  @Test
  void fetchesTheKeysOnceForManyRequests() throws Exception {
    GoogleIdTokens tokens = tokens(List.of());
    int before = certFetches.get();
    for (int i = 0; i < 5; i++) tokens.verifiedEmail(token(key, p -> { }), HOST);
    assertEquals(1, certFetches.get() - before);
  }

  @Test
  void answers503WhenTheKeysCannotBeFetched() throws Exception {
    var tokens = new GoogleIdTokens(TokenVerifier.newBuilder()
        .setCertificatesLocation("http://127.0.0.1:" + certs.getAddress().getPort() + "/missing").build(), List.of());
    assertTrue(refusal(tokens, token(key, p -> { }), HOST, 503).contains("TOKEN_CERTS_URL"));
  }
}
