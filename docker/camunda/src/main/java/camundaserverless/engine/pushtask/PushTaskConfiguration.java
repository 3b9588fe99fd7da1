package camundaserverless.engine.pushtask;

import camundaserverless.engine.BlockSettings;
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
  AfterCommitPublishes afterCommitPublishes(PubsubPublisher pubsubPublisher) {
    return new AfterCommitPublishes(pubsubPublisher::publishAll);
  }

  @Bean
  PushTaskPublish pushTaskPublish(PubsubPublisher pubsubPublisher, AfterCommitPublishes afterCommitPublishes) {
    return new PushTaskPublish(pubsubPublisher, PushTaskPublish.Moment.AFTER_COMMIT, afterCommitPublishes);
  }

  @Bean
  PushTaskPublish pushTaskRepublish(PubsubPublisher pubsubPublisher) {
    return new PushTaskPublish(pubsubPublisher, PushTaskPublish.Moment.BEFORE_COMMIT, null);
  }

  @Bean
  PushTaskTimer pushTaskTimer(BlockSettings blockSettings) {
    return new PushTaskTimer(blockSettings);
  }
}
