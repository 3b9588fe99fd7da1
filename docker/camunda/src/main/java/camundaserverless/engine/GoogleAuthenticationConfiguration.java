package camundaserverless.engine;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * REST_AUTH=google: each caller of /engine-rest proves who it is with a Google ID token and may call
 * only what REST_CALLERS allows it ({@link CallerAuthorizationFilter}). Paths outside /engine-rest,
 * /ready among them, stay open: Cloud Run's IAM guards those.
 */
@Configuration
@ConditionalOnProperty(name = EngineSettings.REST_AUTH_PROPERTY, havingValue = "google")
class GoogleAuthenticationConfiguration {

  @Bean
  FilterRegistrationBean<CallerAuthorizationFilter> callerAuthorizationFilter(EngineSettings settings) {
    var filter = new CallerAuthorizationFilter(GoogleIdTokens.fromSettings(settings), settings.restCallers);
    var registration = new FilterRegistrationBean<>(filter);
    registration.addUrlPatterns("/engine-rest/*");
    // Before every other filter on the REST API, so that nothing runs for a caller that is refused.
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }
}
