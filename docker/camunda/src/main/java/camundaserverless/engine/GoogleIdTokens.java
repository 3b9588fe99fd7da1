package camundaserverless.engine;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import com.google.api.client.json.webtoken.JsonWebSignature;
import com.google.auth.oauth2.TokenVerifier;
import com.google.common.util.concurrent.UncheckedExecutionException;

/**
 * Checks a Google-signed ID token, with REST_AUTH=google: signature and expiry (google-auth-library's
 * {@link TokenVerifier}, which fetches the keys from TOKEN_CERTS_URL and caches them for an hour, so a
 * request costs no round trip), then issuer, audience and a verified email. Returns the email.
 */
final class GoogleIdTokens {

  /** Why a token is refused: the HTTP status and one line for the caller and the log (never the token). */
  static final class Refusal extends Exception {
    final int status;

    Refusal(int status, String reason) {
      super(reason, null, false, false);
      this.status = status;
    }
  }

  /** Google's two spellings of its issuer (https://developers.google.com/identity/openid-connect). */
  static final Set<String> ISSUERS = Set.of("accounts.google.com", "https://accounts.google.com");

  /** What Cloud Run puts in place of the signature of a token it checked itself. */
  private static final String SIGNATURE_REMOVED = ".SIGNATURE_REMOVED_BY_GOOGLE";

  private final TokenVerifier verifier;
  private final List<String> audiences;

  /** Audiences and issuer are checked here: the verifier takes only one of each. */
  GoogleIdTokens(TokenVerifier verifier, List<String> audiences) {
    this.verifier = verifier;
    this.audiences = audiences;
  }

  static GoogleIdTokens fromSettings(EngineSettings settings) {
    return new GoogleIdTokens(TokenVerifier.newBuilder().setCertificatesLocation(settings.tokenCertsUrl).build(),
        settings.tokenAudiences);
  }

  /** The verified email of the token, for a request that came with this Host header (null: none). */
  String verifiedEmail(String token, String host) throws Refusal {
    if (token.endsWith(SIGNATURE_REMOVED)) {
      throw new Refusal(401, "Cloud Run removed the token's signature: send the ID token in "
          + "X-Serverless-Authorization as well as in Authorization");
    }
    JsonWebSignature.Payload claims = verify(token).getPayload();
    if (!ISSUERS.contains(claims.getIssuer())) {
      throw new Refusal(401, "the token's issuer " + claims.getIssuer() + " is not Google's");
    }
    List<String> accepted = audiences.isEmpty() && host != null
        ? List.of("https://" + host, "https://" + host + "/") : audiences;
    List<String> tokenAudiences = claims.getAudienceAsList();
    if (tokenAudiences.stream().noneMatch(accepted::contains)) {
      throw new Refusal(401, "the token's audience " + String.join(",", tokenAudiences) + " is not "
          + (accepted.isEmpty() ? "checkable: the request has no Host header" : String.join(" or ", accepted)));
    }
    Object email = claims.get("email");
    if (!(email instanceof String address) || address.isBlank()) {
      throw new Refusal(401, "the token carries no email: mint it with the email included (format=full)");
    }
    Object verified = claims.get("email_verified");
    if (verified != null && !Boolean.parseBoolean(String.valueOf(verified))) {
      throw new Refusal(401, "the token's email " + address + " is not verified");
    }
    return address;
  }

  private JsonWebSignature verify(String token) throws Refusal {
    try {
      return verifier.verify(token);
    } catch (TokenVerifier.VerificationException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ExecutionException || cause instanceof UncheckedExecutionException) {
        // Our problem, not the caller's: the keys could not be had. 503 asks the caller to try again.
        throw new Refusal(503, "cannot fetch the token keys from TOKEN_CERTS_URL: " + rootMessage(cause));
      }
      throw new Refusal(401, reason(e.getMessage() == null ? "" : e.getMessage().replaceAll("\\s+", " ")));
    } catch (RuntimeException e) {
      // JsonWebSignature.parse throws these for text that is no JWT at all.
      throw new Refusal(401, "the token is not a JWT");
    }
  }

  /** The verifier's message in the words of this engine's other answers. */
  private static String reason(String message) {
    if (message.startsWith("Token is expired")) return "the token has expired";
    if (message.startsWith("Error parsing")) return "the token is not a JWT";
    if (message.startsWith("Invalid signature") || message.startsWith("Could not find PublicKey")
        || message.startsWith("Error validating")) {
      return "the token's signature does not verify with the keys of TOKEN_CERTS_URL";
    }
    return "the token does not verify: " + message;
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.replaceAll("\\s+", " ");
  }
}
