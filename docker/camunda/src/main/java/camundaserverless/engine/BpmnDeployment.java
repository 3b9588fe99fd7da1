package camundaserverless.engine;

import java.io.IOException;
import java.io.InputStream;

import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.DeploymentBuilder;
import org.camunda.bpm.engine.repository.DeploymentWithDefinitions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

/**
 * Deploys the BPMN files packaged from bpmn/ at start-up. Duplicate filtering with "changed only" means
 * a restart with unchanged files creates no new versions, and a change to one file versions only that
 * file, so running instances of the others keep their definitions.
 */
@Component
class BpmnDeployment implements ApplicationRunner {

  static final String DEPLOYMENT_NAME = "camunda-serverless";
  private static final Logger LOG = LoggerFactory.getLogger(BpmnDeployment.class);

  private final RepositoryService repositoryService;
  private volatile boolean deployed;

  BpmnDeployment(RepositoryService repositoryService) {
    this.repositoryService = repositoryService;
  }

  @Override
  public void run(ApplicationArguments args) throws IOException {
    Resource[] files = new PathMatchingResourcePatternResolver().getResources("classpath*:bpmn/*.bpmn");
    if (files.length > 0) {
      DeploymentBuilder builder = repositoryService.createDeployment()
          .name(DEPLOYMENT_NAME)
          .source(DEPLOYMENT_NAME)
          .enableDuplicateFiltering(true);
      for (Resource file : files) {
        try (InputStream in = file.getInputStream()) {
          builder.addInputStream(file.getFilename(), in); // read at once, so closing it here is safe
        }
      }
      DeploymentWithDefinitions result = builder.deployWithResult();
      LOG.info("deployed {} BPMN files from bpmn/: {} new process definition versions",
          files.length, result.getDeployedProcessDefinitions() == null ? 0 : result.getDeployedProcessDefinitions().size());
    }
    deployed = true;
  }

  boolean isDeployed() {
    return deployed;
  }
}
