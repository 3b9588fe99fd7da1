package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;
import org.camunda.connect.ConnectorRequestException;
import org.camunda.connect.httpclient.HttpConnector;
import org.camunda.connect.httpclient.HttpResponse;
import org.camunda.connect.httpclient.impl.HttpConnectorImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A call through the http-connector ends within its timeout and a second, even against a server whose
 * every read arrives within the socket timeout (so that HttpClient's own timeouts never fire): only the
 * deadline can end such a call.
 */
class HttpCallDeadlineTest {

  private HttpServer server;
  private HttpConnector connector;
  private volatile boolean serving = true;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ok", exchange -> {
      byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    // A byte every 50 ms, for as long as the test runs: no read ever waits 300 ms.
    server.createContext("/trickle", exchange -> {
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        while (serving) {
          out.write(' ');
          out.flush();
          Thread.sleep(50);
        }
      } catch (IOException | InterruptedException e) {
        // the client gave up: what the deadline is for
      }
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    connector = new HttpConnectorImpl();
    new HttpCallDeadline().configure(connector);
  }

  @AfterEach
  void stop() {
    serving = false;
    server.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Test
  void aTrickledAnswerIsAbortedAtTheTimeout() {
    ConnectorRequestException failure = assertThrows(ConnectorRequestException.class, () -> connector.createRequest()
        .get().url(url("/trickle"))
        .configOption("connection-timeout", 300).configOption("connection-request-timeout", 300)
        .configOption("socket-timeout", 300)
        .execute());
    SocketTimeoutException cause = assertInstanceOf(SocketTimeoutException.class, failure.getCause());
    assertTrue(cause.getMessage().contains("within 1300 ms (its timeout and a second)"), cause.getMessage());
  }

  @Test
  void anAnswerWithinTheTimeoutIsReadWhole() {
    HttpResponse response = connector.createRequest().get().url(url("/ok")).configOption("socket-timeout", 5000)
        .execute();
    assertEquals(200, response.getStatusCode());
    assertEquals("{\"ok\":true}", response.getResponse());
  }
}
