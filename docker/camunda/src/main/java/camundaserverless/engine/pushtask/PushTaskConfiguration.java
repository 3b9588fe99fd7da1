package camundaserverless.engine.pushtask;

import camundaserverless.engine.pubsub.PubsubPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * PushTask.bpmn's steps on its hot path, as the beans its model names: each runs in Java instead of a
 * Groovy script or a nested process, once per task (issue #18: the engine's cost per pushed task).
 */
@Configuration
class PushTaskConfiguration {

  @Bean
  PushTaskCheck pushTaskCheck() {
    return new PushTaskCheck();
  }

  @Bean
  PushTaskRequest pushTaskRequest() {
    return new PushTaskRequest();
  }

  @Bean
  PushTaskOutcome pushTaskOutcome() {
    return new PushTaskOutcome();
  }

  @Bean
  PushTaskPublish pushTaskPublish(PubsubPublisher pubsubPublisher) {
    return new PushTaskPublish(pubsubPublisher);
  }
}
