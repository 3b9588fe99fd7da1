package camundaserverless.engine;

import org.camunda.bpm.spring.boot.starter.event.PostDeployEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Remembers that the process application ({@code @EnableProcessApplication}, META-INF/processes.xml)
 * has deployed the BPMN files, for /ready. The starter publishes {@link PostDeployEvent} once the
 * deployment is done, while the Spring context is refreshed; an unchanged restart deploys nothing new
 * and still publishes it.
 *
 * <p>It is also the moment this engine's start no longer touches the schema or the deployments, so it
 * releases the {@link StartupLock} for the next engine waiting on the same database.
 */
@Component
class DeploymentReadiness {

  private final StartupLock startupLock;
  private volatile boolean deployed;

  DeploymentReadiness(StartupLock startupLock) {
    this.startupLock = startupLock;
  }

  @EventListener
  void onPostDeploy(PostDeployEvent event) {
    startupLock.close();
    deployed = true;
  }

  boolean isDeployed() {
    return deployed;
  }
}
