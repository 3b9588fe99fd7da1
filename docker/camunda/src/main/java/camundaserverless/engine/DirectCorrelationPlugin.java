package camundaserverless.engine;

import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.springframework.stereotype.Component;

/** Puts {@link DirectCorrelationHandler} in the place of Camunda's correlation handler; the starter applies every plugin bean. */
@Component
class DirectCorrelationPlugin extends AbstractProcessEnginePlugin {

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    configuration.setCorrelationHandler(new DirectCorrelationHandler());
  }
}
