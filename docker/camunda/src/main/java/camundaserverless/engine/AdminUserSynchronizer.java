package camundaserverless.engine;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * With REST_AUTH=basic, creates the admin user or sets its password to ADMIN_PASSWORD, once the engine
 * has started. /ready answers 200 only after the application runners, so no caller is let in before
 * the password is the current one. It does not compare first: a password check that fails counts as a
 * failed login and could lock the user out.
 */
final class AdminUserSynchronizer implements ApplicationRunner {

  private final IdentityService identityService;
  private final String userId;
  private final String password;

  AdminUserSynchronizer(IdentityService identityService, String userId, String password) {
    this.identityService = identityService;
    this.userId = userId;
    this.password = password;
  }

  @Override
  public void run(ApplicationArguments args) {
    User user = identityService.createUserQuery().userId(userId).singleResult();
    if (user == null) {
      user = identityService.newUser(userId);
    }
    user.setPassword(password);
    identityService.saveUser(user);
  }
}
