package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;

import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpGet;
import org.junit.jupiter.api.Test;

/**
 * The deadline's arithmetic, and an exchange it did not end returning or failing as itself. The abort
 * itself is tested where a server trickles its answer: HttpCallDeadlineTest and PubsubPublisherTest.
 */
class RequestDeadlineTest {

  @Test
  void theDeadlineIsTheLongestTimeoutAndASecond() {
    assertEquals(0, RequestDeadline.deadlineMs(null));
    assertEquals(0, RequestDeadline.deadlineMs(RequestConfig.DEFAULT));
    assertEquals(6000, RequestDeadline.deadlineMs(
        RequestConfig.custom().setConnectTimeout(1000).setSocketTimeout(5000).setConnectionRequestTimeout(2000).build()));
  }

  @Test
  void anExchangeWithinItsDeadlineReturnsOrFailsAsItself() throws IOException {
    HttpGet request = new HttpGet("http://127.0.0.1:1/");
    request.setConfig(RequestConfig.custom().setSocketTimeout(5000).build());

    assertEquals("answer", RequestDeadline.within(request, "GET 127.0.0.1", () -> "answer"));
    IOException own = new IOException("connection reset");
    assertSame(own, assertThrows(IOException.class, () -> RequestDeadline.within(request, "GET 127.0.0.1", () -> {
      throw own;
    })));
  }
}
