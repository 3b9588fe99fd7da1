package camundaserverless.engine;

import org.camunda.bpm.spring.boot.starter.event.PostDeployEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Remembers that the process application ({@code @EnableProcessApplication}, META-INF/processes.xml)
 * has deployed the BPMN files, for /ready. The starter publishes {@link PostDeployEvent} once the
 * deployment is done, while the Spring context is refreshed; an unchanged restart deploys nothing new
 * and still publishes it.
 */
@Component
class DeploymentReadiness {

  private volatile boolean deployed;

  @EventListener
  void onPostDeploy(PostDeployEvent event) {
    deployed = true;
  }

  boolean isDeployed() {
    return deployed;
  }
}
