package camundaserverless.engine;

import java.io.IOException;

import org.apache.http.HttpEntity;
import org.apache.http.HttpResponse;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.BufferedHttpEntity;
import org.camunda.connect.httpclient.HttpConnector;
import org.camunda.connect.spi.ConnectorConfigurator;
import org.camunda.connect.spi.ConnectorInvocation;
import org.camunda.connect.spi.ConnectorRequestInterceptor;

/**
 * Gives every {@code http-connector} call a deadline for the whole call ({@link RequestDeadline}): a
 * call ends within its timeout plus a second (bpmn/Http.bpmn's {@code timeout}), whatever the server
 * does, and the answer's body is read inside that time.
 *
 * <p>Connect finds it through {@code META-INF/services/org.camunda.connect.spi.ConnectorConfigurator}. A
 * request without any timeout (none of the blocks sends one) gets no deadline.
 */
public class HttpCallDeadline implements ConnectorConfigurator<HttpConnector> {

  @Override
  public Class<HttpConnector> getConnectorClass() {
    return HttpConnector.class;
  }

  @Override
  public void configure(HttpConnector connector) {
    connector.addRequestInterceptor(new Interceptor());
  }

  static final class Interceptor implements ConnectorRequestInterceptor {

    @Override
    public Object handleInvocation(ConnectorInvocation invocation) throws Exception {
      if (!(invocation.getTarget() instanceof HttpRequestBase request)) return invocation.proceed();
      return RequestDeadline.within(request, request.getMethod() + " " + request.getURI().getHost(), () -> {
        Object response = invocation.proceed();
        if (response instanceof HttpResponse answer) readBody(answer);
        return response;
      });
    }

    /** Reads the whole body now, inside the deadline; Connect reads it from memory afterwards. */
    private static void readBody(HttpResponse answer) throws IOException {
      HttpEntity entity = answer.getEntity();
      if (entity != null && !entity.isRepeatable()) answer.setEntity(new BufferedHttpEntity(entity));
    }
  }
}
