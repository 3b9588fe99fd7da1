package camundaserverless.engine.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;
import org.camunda.bpm.engine.rest.mapper.JacksonConfigurator;

/**
 * The REST API's ObjectMapper, configured once as Camunda configures it ({@link JacksonConfigurator}).
 * Camunda's own resolver builds and configures a new mapper on every call, and it is called for every
 * request body read, every response written and every sub-resource: 2 to 4 new mappers per request,
 * 3.5% of the engine's CPU per pushed task (issue #18). A configured mapper is safe to share: Jackson
 * copies the date format for every use, and nothing in Camunda's REST API reconfigures the mapper it gets.
 */
@Provider
@Produces(MediaType.APPLICATION_JSON)
public class SharedObjectMapper implements ContextResolver<ObjectMapper> {

  private final ObjectMapper mapper = JacksonConfigurator.configureObjectMapper(new ObjectMapper());

  @Override
  public ObjectMapper getContext(Class<?> type) {
    return mapper;
  }
}
