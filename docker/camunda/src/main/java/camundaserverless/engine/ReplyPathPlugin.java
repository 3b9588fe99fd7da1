package camundaserverless.engine;

import java.util.ArrayList;
import java.util.List;

import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.SessionFactory;
import org.springframework.stereotype.Component;

/**
 * What a reply costs the engine: puts {@link DirectCorrelationHandler} in the place of Camunda's
 * correlation handler and {@link MessageSubscriptions} in that of its event subscription manager. The
 * starter applies every plugin bean.
 */
@Component
class ReplyPathPlugin extends AbstractProcessEnginePlugin {

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    configuration.setCorrelationHandler(new DirectCorrelationHandler());
    List<SessionFactory> factories = configuration.getCustomSessionFactories() == null ? new ArrayList<>()
        : new ArrayList<>(configuration.getCustomSessionFactories());
    factories.add(MessageSubscriptions.FACTORY);
    configuration.setCustomSessionFactories(factories);
  }
}
