package camundaserverless.engine.pubsub;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** A metadata server and a Pub/Sub publish endpoint on 127.0.0.1, each answering what a test sets. */
final class FakeGoogle implements AutoCloseable {

  record Answer(int status, String body) {
  }

  record Publish(String path, String authorization, String contentType, String body) {
  }

  private final HttpServer server;
  final AtomicInteger tokensIssued = new AtomicInteger();
  final List<Publish> publishes = new CopyOnWriteArrayList<>();
  volatile long expiresInSeconds = 3599;
  volatile Answer tokenAnswer;
  volatile Answer publishAnswer = new Answer(200, "{\"messageIds\":[\"4242\"]}");
  /** When set, a publish answers its headers and then a byte every 50 ms, never the end. */
  volatile boolean publishTrickles;
  private volatile boolean open = true;
  /** The client's end of every exchange: one address a connection. */
  private final Set<InetSocketAddress> clientEnds = ConcurrentHashMap.newKeySet();

  FakeGoogle() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(MetadataServerCredentials.TOKEN_PATH, exchange -> {
      clientEnds.add(exchange.getRemoteAddress());
      if (tokenAnswer != null) {
        answer(exchange, tokenAnswer);
        return;
      }
      int n = tokensIssued.incrementAndGet();
      answer(exchange, new Answer(200,
          "{\"access_token\":\"token-" + n + "\",\"expires_in\":" + expiresInSeconds + ",\"token_type\":\"Bearer\"}"));
    });
    server.createContext("/v1/", exchange -> {
      clientEnds.add(exchange.getRemoteAddress());
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      publishes.add(new Publish(exchange.getRequestURI().getRawPath(), exchange.getRequestHeaders().getFirst("Authorization"),
          exchange.getRequestHeaders().getFirst("Content-Type"), body));
      if (publishTrickles) {
        trickle(exchange);
        return;
      }
      answer(exchange, publishAnswer);
    });
    server.start();
  }

  /** How many connections the exchanges so far came on. */
  int connectionsOpened() {
    return clientEnds.size();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, Answer answer) throws IOException {
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(answer.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private void trickle(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      while (open) {
        out.write(' ');
        out.flush();
        Thread.sleep(50);
      }
    } catch (IOException | InterruptedException e) {
      // the client gave up: what its deadline is for
    }
  }

  @Override
  public void close() {
    open = false;
    server.stop(0);
  }
}
