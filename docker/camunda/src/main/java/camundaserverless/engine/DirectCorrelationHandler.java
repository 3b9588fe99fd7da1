package camundaserverless.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.impl.event.EventType;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.runtime.CorrelationHandlerResult;
import org.camunda.bpm.engine.impl.runtime.CorrelationSet;
import org.camunda.bpm.engine.impl.runtime.DefaultCorrelationHandler;
import org.camunda.bpm.engine.variable.type.ValueType;
import org.camunda.bpm.engine.variable.value.StringValue;
import org.camunda.bpm.engine.variable.value.TypedValue;

/**
 * Camunda's message correlation, with a direct path for the shape every push reply and heartbeat has:
 * a message name, one process instance id, and correlation keys that are text (PushTask's requestId).
 * Camunda finds the waiting executions with its generic execution query, whose SQL MyBatis assembles
 * from dozens of optional criteria on every call: 6% of the engine's CPU per pushed task (issue #18).
 * The direct path reads the instance, its variables and its event subscriptions instead, which the
 * correlation then needs anyway. It decides only when the query's answer is certain: the instance holds
 * every key itself, as a string variable of equal text (the query accepts such a variable anywhere in
 * the instance outside tasks), and the caller's tenant check admits it; then the matches are the query's:
 * every execution of the instance with a message subscription of that name, in the order of their ids.
 * Anything else (no such instance, a key held elsewhere or not at all, a business key, local keys, other
 * key types, a tenant, a process definition, no instance id) takes Camunda's own path unchanged.
 */
public class DirectCorrelationHandler extends DefaultCorrelationHandler {

  @Override
  protected List<CorrelationHandlerResult> correlateMessageToExecutions(CommandContext commandContext, String messageName,
      CorrelationSet correlationSet) {
    if (!isDirect(messageName, correlationSet)) {
      return correlateByQuery(commandContext, messageName, correlationSet);
    }
    ExecutionEntity instance = commandContext.getExecutionManager().findExecutionById(correlationSet.getProcessInstanceId());
    if (instance == null || !instance.isProcessInstanceExecution()
        || !commandContext.getTenantManager().isAuthenticatedTenant(instance.getTenantId())
        || !holdsEveryKey(instance, correlationSet.getCorrelationKeys())) {
      return correlateByQuery(commandContext, messageName, correlationSet);
    }
    Set<ExecutionEntity> waiting = new TreeSet<>(Comparator.comparing(ExecutionEntity::getId));
    for (EventSubscriptionEntity subscription : subscriptionsOf(commandContext, instance)) {
      if (isFor(subscription, messageName) && subscription.getExecutionId() != null) {
        waiting.add(stillWaiting(subscription, messageName));
      }
    }
    List<CorrelationHandlerResult> results = new ArrayList<>();
    waiting.forEach(execution -> results.add(CorrelationHandlerResult.matchedExecution(execution)));
    return results;
  }

  /** The instance's event subscriptions, all types (a seam where the test commits between the two reads). */
  List<EventSubscriptionEntity> subscriptionsOf(CommandContext commandContext, ExecutionEntity instance) {
    return commandContext.getEventSubscriptionManager().findEventSubscriptionsByProcessInstanceId(instance.getId());
  }

  /**
   * The subscription's execution, once its own subscriptions (read now, the list the correlation then
   * uses) still hold the wait. If a concurrent transaction ended the wait since the instance's list was
   * read (a reply, a stop, or a heartbeat or re-publish that entered a new wait), this is the conflict
   * it is: an optimistic-locking failure, which the sender resends at once and which then finds the new
   * wait, or nothing. A wait ended after this read fails the commit the same way.
   */
  private static ExecutionEntity stillWaiting(EventSubscriptionEntity subscription, String messageName) {
    ExecutionEntity execution = subscription.getExecution();
    if (execution == null || execution.getEventSubscriptions().stream().noneMatch(own -> isFor(own, messageName))) {
      throw new OptimisticLockingException("the wait of execution " + subscription.getExecutionId() + " for message '"
          + messageName + "' ended while this correlation matched it: correlate again");
    }
    return execution;
  }

  /** Camunda's own path: its execution query. */
  List<CorrelationHandlerResult> correlateByQuery(CommandContext commandContext, String messageName, CorrelationSet correlationSet) {
    return super.correlateMessageToExecutions(commandContext, messageName, correlationSet);
  }

  /** Whether the correlation has the one shape the direct path matches exactly as Camunda's query does. */
  static boolean isDirect(String messageName, CorrelationSet set) {
    return messageName != null && set.getProcessInstanceId() != null && set.getBusinessKey() == null
        && set.getProcessDefinitionId() == null && !set.isTenantIdSet()
        && (set.getLocalCorrelationKeys() == null || set.getLocalCorrelationKeys().isEmpty())
        && (set.getCorrelationKeys() == null || set.getCorrelationKeys().values().stream().allMatch(key -> text(key) != null));
  }

  private static boolean isFor(EventSubscriptionEntity subscription, String messageName) {
    return EventType.MESSAGE.name().equals(subscription.getEventType()) && messageName.equals(subscription.getEventName());
  }

  private static boolean holdsEveryKey(ExecutionEntity instance, Map<String, Object> keys) {
    if (keys == null) {
      return true;
    }
    for (Map.Entry<String, Object> key : keys.entrySet()) {
      TypedValue value = instance.getVariableLocalTyped(key.getKey(), true);
      if (value == null || !ValueType.STRING.equals(value.getType()) || !text(key.getValue()).equals(value.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** The key's text, whether given as a String or as a typed string value (as the REST API passes it). */
  private static String text(Object key) {
    if (key instanceof String string) {
      return string;
    }
    return key instanceof StringValue typed ? typed.getValue() : null;
  }
}
