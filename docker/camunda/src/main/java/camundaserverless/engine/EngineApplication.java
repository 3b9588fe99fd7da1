package camundaserverless.engine;

import java.sql.SQLException;

import javax.xml.datatype.DatatypeFactory;

import org.camunda.bpm.spring.boot.starter.annotation.EnableProcessApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The camunda-serverless engine: Camunda 7 with its REST API, Connect, Spin and Groovy, on H2 or
 * PostgreSQL. Settings come from environment variables (see {@link EngineSettings}); a bad one stops
 * start-up with a single line that names it, before any framework output.
 *
 * <p>It is a process application: the starter deploys the process archive of META-INF/processes.xml
 * (the BPMN files of bpmn/, changed files only) when the Spring context is refreshed.
 */
@SpringBootApplication
@EnableProcessApplication(EngineApplication.PROCESS_APPLICATION_NAME)
public class EngineApplication {

  /** Exit codes a supervisor can tell apart: 2 for a bad setting, 3 for an unreachable database. */
  static final int EXIT_INVALID_SETTING = 2;
  static final int EXIT_DATABASE_UNREACHABLE = 3;
  /** 4: another engine held the start-up lock for longer than {@link StartupLock#MAX_WAIT}. */
  static final int EXIT_STARTUP_LOCK_TIMEOUT = 4;

  /** The process application's name; META-INF/processes.xml names its deployment the same. */
  static final String PROCESS_APPLICATION_NAME = "camunda-serverless";

  private final EngineSettings settings;

  EngineApplication(EngineSettings settings) {
    this.settings = settings;
  }

  public static void main(String[] args) {
    pinDatatypeFactory();
    EngineSettings settings;
    try {
      settings = EngineSettings.fromEnvironment(System.getenv());
    } catch (EngineSettings.InvalidSettingException e) {
      System.err.println("engine: " + e.getMessage());
      System.exit(EXIT_INVALID_SETTING);
      return;
    }
    try {
      DatabaseCheck.verify(settings);
    } catch (SQLException e) {
      System.err.println("engine: " + DatabaseCheck.explain(settings, e));
      System.exit(EXIT_DATABASE_UNREACHABLE);
      return;
    } catch (DatabaseCheck.HistoryLevelMismatchException e) {
      System.err.println("engine: " + e.getMessage());
      System.exit(EXIT_INVALID_SETTING);
      return;
    }

    StartupLock startupLock = acquireStartupLock(settings);
    SpringApplication application = new SpringApplication(EngineApplication.class);
    application.setDefaultProperties(settings.toSpringProperties());
    application.addInitializers(context -> {
      context.getBeanFactory().registerSingleton("engineSettings", settings);
      context.getBeanFactory().registerSingleton("startupLock", startupLock);
    });
    try {
      application.run(args);
    } finally {
      // Released at the latest here: DeploymentReadiness releases it as soon as the BPMN files are deployed.
      startupLock.close();
    }
  }

  /**
   * Names the JDK's own {@link DatatypeFactory}, the one the engine would find anyway: without the
   * property, every {@code DatatypeFactory.newInstance()} searches all ~150 jars with a ServiceLoader,
   * and Camunda calls it for every job it creates or fails and every timer (its DurationHelper). That
   * search was 3% of the engine's CPU per pushed task (issue #18). A property set from outside wins.
   */
  static void pinDatatypeFactory() {
    if (System.getProperty(DatatypeFactory.DATATYPEFACTORY_PROPERTY) == null) {
      System.setProperty(DatatypeFactory.DATATYPEFACTORY_PROPERTY, DatatypeFactory.DATATYPEFACTORY_IMPLEMENTATION_CLASS);
    }
  }

  /** Waits for any other engine starting on the same database; exits with a line when the wait runs out. */
  private static StartupLock acquireStartupLock(EngineSettings settings) {
    try {
      return StartupLock.acquire(settings, StartupLock.MAX_WAIT);
    } catch (SQLException e) {
      System.err.println("engine: " + DatabaseCheck.explain(settings, e));
      System.exit(EXIT_DATABASE_UNREACHABLE);
    } catch (StartupLock.StartupLockTimeoutException e) {
      System.err.println("engine: " + e.getMessage());
      System.exit(EXIT_STARTUP_LOCK_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.exit(EXIT_STARTUP_LOCK_TIMEOUT);
    }
    throw new IllegalStateException("unreachable");
  }

  /** What the BPMN building blocks may read in expressions, as ${blockSettings.pubsubUrl} and so on. */
  @Bean
  BlockSettings blockSettings() {
    return new BlockSettings(settings.metadataUrl, settings.pubsubUrl, settings.publishRetryTimeCycle,
        settings.republishAfter);
  }
}
