package camundaserverless.engine.rest;

import java.util.HashSet;
import java.util.Set;

import org.camunda.bpm.engine.rest.impl.CamundaRestResources;
import org.camunda.bpm.engine.rest.impl.DefaultProcessEngineRestServiceImpl;
import org.camunda.bpm.engine.rest.mapper.JacksonConfigurator;
import org.camunda.bpm.spring.boot.starter.rest.CamundaJerseyResourceConfig;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.springframework.stereotype.Component;

/**
 * Camunda's REST API as the starter registers it, with two of its classes swapped for ones that do the
 * same work once instead of on every request: the ObjectMapper ({@link SharedObjectMapper}) and the
 * default engine's root ({@link HeldSubResources}). Being a {@link CamundaJerseyResourceConfig} bean, it
 * takes the place of the starter's own.
 */
@Component
public class EngineRestResources extends CamundaJerseyResourceConfig {

  @Override
  protected void registerCamundaRestResources() {
    registerClasses(without(CamundaRestResources.getResourceClasses(), DefaultProcessEngineRestServiceImpl.class));
    register(new HeldSubResources());
    registerClasses(without(CamundaRestResources.getConfigurationClasses(), JacksonConfigurator.class));
    register(SharedObjectMapper.class);
    register(JacksonFeature.class);
  }

  /** The set less the class; fails at start-up if a Camunda upgrade no longer registers that class. */
  static Set<Class<?>> without(Set<Class<?>> classes, Class<?> swapped) {
    Set<Class<?>> rest = new HashSet<>(classes);
    if (!rest.remove(swapped)) {
      throw new IllegalStateException("Camunda's REST API no longer registers " + swapped.getName()
          + ": check what EngineRestResources swaps against the new CamundaRestResources");
    }
    return rest;
  }
}
