package camundaserverless.engine;

import java.io.IOException;
import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * GET /ready: 200 once the BPMN files are deployed, start-up has finished (Spring Boot's readiness
 * state, which follows the application runners such as {@link AdminUserSynchronizer}), the job executor
 * runs and the database answers; 503 with the reason otherwise. Cheap enough for a startup probe and a wake-up schedule: one pooled
 * connection check. A plain servlet, because the REST starter brings Jersey but no Spring MVC.
 */
class ReadinessServlet extends HttpServlet {

  static final String PATH = "/ready";
  private static final int DATABASE_CHECK_SECONDS = 2;

  private final transient ProcessEngine processEngine;
  private final transient DataSource dataSource;
  private final transient DeploymentReadiness deployment;
  private final transient ApplicationAvailability availability;

  ReadinessServlet(ProcessEngine processEngine, DataSource dataSource, DeploymentReadiness deployment,
      ApplicationAvailability availability) {
    this.processEngine = processEngine;
    this.dataSource = dataSource;
    this.deployment = deployment;
    this.availability = availability;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String problem = problem();
    response.setStatus(problem == null ? HttpServletResponse.SC_OK : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    response.setContentType("application/json");
    response.setHeader("Cache-Control", "no-store");
    response.getWriter().write(problem == null
        ? "{\"status\":\"UP\"}"
        : "{\"status\":\"DOWN\",\"reason\":\"" + problem + "\"}");
  }

  /** Why the engine is not ready, or null when it is. */
  private String problem() {
    if (!deployment.isDeployed()) {
      return "the BPMN files are not deployed yet";
    }
    if (availability.getReadinessState() != ReadinessState.ACCEPTING_TRAFFIC) {
      return "the engine is still starting";
    }
    var configuration = (ProcessEngineConfigurationImpl) processEngine.getProcessEngineConfiguration();
    if (!configuration.getJobExecutor().isActive()) {
      return "the job executor is not running";
    }
    // Bounded: with the database down, taking a connection from the pool waits for its whole timeout.
    try {
      boolean valid = CompletableFuture.supplyAsync(this::databaseAnswers)
          .get(DATABASE_CHECK_SECONDS + 1, TimeUnit.SECONDS);
      return valid ? null : "the database does not answer";
    } catch (Exception e) {
      return "the database does not answer";
    }
  }

  private boolean databaseAnswers() {
    try (Connection connection = dataSource.getConnection()) {
      return connection.isValid(DATABASE_CHECK_SECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  @Configuration
  static class Registration {
    @Bean
    ServletRegistrationBean<ReadinessServlet> readinessServlet(ProcessEngine processEngine, DataSource dataSource,
        DeploymentReadiness deployment, ApplicationAvailability availability) {
      return new ServletRegistrationBean<>(
          new ReadinessServlet(processEngine, dataSource, deployment, availability), PATH);
    }
  }
}
