package camundaserverless.engine;

import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;

/**
 * A step of the engine's SIGTERM that runs beside the web server's graceful shutdown, in its phase and a
 * thread of its own, so that all of them fit in the phase's 8 s ({@code spring.lifecycle.timeout-per-shutdown-phase})
 * and Cloud Run's 10 s. {@link #shutDown()} runs once; it must not throw.
 */
public abstract class ShutdownStep implements SmartLifecycle {

  private final String threadName;
  private volatile boolean running;

  protected ShutdownStep(String threadName) {
    this.threadName = threadName;
  }

  /** The step itself, while the database is still there. */
  protected abstract void shutDown();

  @Override
  public void start() {
    running = true;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE;
  }

  @Override
  public void stop() {
    try {
      shutDown();
    } finally {
      running = false;
    }
  }

  /** Beside the web server's graceful shutdown, not after it. */
  @Override
  public void stop(Runnable callback) {
    Thread thread = new Thread(() -> {
      try {
        stop();
      } finally {
        callback.run();
      }
    }, threadName);
    thread.start();
  }
}
