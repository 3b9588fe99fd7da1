package camundaserverless.engine.echoloop;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** EchoLoop.bpmn's steps on every iteration, as the beans its model names: Java instead of Groovy scripts. */
@Configuration
class EchoLoopConfiguration {

  @Bean
  EchoLoopCount echoLoopCount() {
    return new EchoLoopCount();
  }

  @Bean
  EchoLoopTask echoLoopTask() {
    return new EchoLoopTask();
  }
}
