package camundaserverless.engine;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.HttpBasicAuthenticationProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * REST_AUTH=basic: HTTP basic authentication on /engine-rest, checked against Camunda's own users. The
 * admin user is created from ADMIN_USER and ADMIN_PASSWORD, and its password follows ADMIN_PASSWORD on
 * every start ({@link AdminUserSynchronizer}), so rotating the secret and restarting is all a password
 * change takes.
 */
@Configuration
@ConditionalOnProperty(name = EngineSettings.REST_AUTH_PROPERTY, havingValue = "basic")
class RestAuthenticationConfiguration {

  @Bean
  FilterRegistrationBean<ProcessEngineAuthenticationFilter> restAuthenticationFilter() {
    var registration = new FilterRegistrationBean<>(new ProcessEngineAuthenticationFilter());
    registration.addUrlPatterns("/engine-rest/*");
    registration.addInitParameter(ProcessEngineAuthenticationFilter.AUTHENTICATION_PROVIDER_PARAM,
        HttpBasicAuthenticationProvider.class.getName());
    return registration;
  }

  @Bean
  AdminUserSynchronizer adminUserSynchronizer(IdentityService identityService, EngineSettings settings) {
    return new AdminUserSynchronizer(identityService, settings.adminUser, settings.adminPassword);
  }
}
