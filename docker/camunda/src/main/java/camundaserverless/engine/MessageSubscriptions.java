package camundaserverless.engine;

import org.camunda.bpm.engine.impl.event.EventType;
import org.camunda.bpm.engine.impl.interceptor.Session;
import org.camunda.bpm.engine.impl.interceptor.SessionFactory;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionManager;

/**
 * Camunda's event subscription manager, without the job look-up on deleting a message subscription.
 * On every subscription it deletes, Camunda selects the jobs of an event triggered asynchronously and
 * not yet run (handler type {@code event}, the subscription's id as configuration). Only a signal thrown
 * with {@code camunda:async} creates such a job (Camunda 7.24: {@code EventSubscriptionJobDeclaration}
 * is declared for signal events alone; messages and compensation are received synchronously), so for a
 * message subscription the select always answers nothing. Every push wait ends by deleting one, and so
 * does every iteration of EchoLoop (its stop event sits on the call activity): the selects were 5% of the
 * engine's CPU per push round trip (issue #18). Signal and other subscriptions take Camunda's path.
 */
public class MessageSubscriptions extends EventSubscriptionManager {

  /** Opens this manager wherever Camunda asks for its {@link EventSubscriptionManager}. */
  public static final SessionFactory FACTORY = new SessionFactory() {
    @Override
    public Class<?> getSessionType() {
      return EventSubscriptionManager.class;
    }

    @Override
    public Session openSession() {
      return new MessageSubscriptions();
    }
  };

  @Override
  public void deleteEventSubscription(EventSubscriptionEntity subscription) {
    if (subscription.isSubscriptionForEventType(EventType.MESSAGE)) {
      getDbEntityManager().delete(subscription);
    } else {
      super.deleteEventSubscription(subscription);
    }
  }
}
