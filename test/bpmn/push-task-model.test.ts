/**
 * The engineering settings of bpmn/PushTask.bpmn, read from the file (as test/bpmn/models.test.ts does
 * for the other blocks): easy to lose in a Modeler edit, and their loss shows only under load or failure.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { BPMN_DIR } from '../support/bpmn-engine';

const xml = readFileSync(join(BPMN_DIR, 'PushTask.bpmn'), 'utf8');

/** The opening tag's attributes and the body of the element with this id (tag names without the prefix). */
function element(tag: string, id: string): { attributes: string; body: string } {
  const match = new RegExp(`<bpmn:${tag} id="${id}"([^>]*?)(/>|>([\\s\\S]*?)</bpmn:${tag}>)`).exec(xml);
  if (!match) throw new Error(`no bpmn:${tag} with id ${id}`);
  return { attributes: match[1], body: match[3] ?? '' };
}

const targetOf = (flow: string) => /targetRef="([^"]+)"/.exec(element('sequenceFlow', flow).attributes)![1];
const outgoing = (body: string) => [...body.matchAll(/<bpmn:outgoing>([^<]+)<\/bpmn:outgoing>/g)].map((m) => m[1]);
const RETRY_CYCLE =
  '<camunda:failedJobRetryTimeCycle>${blockSettings.publishRetryTimeCycle(execution)}</camunda:failedJobRetryTimeCycle>';

describe('BPMN block PushTask, as a file', () => {
  it('publishes asyncBefore, retrying on the configurable cycle, and re-publishes after republishAfter', () => {
    const publish = element('serviceTask', 'Activity_PublishTask');
    expect(publish.attributes)
      .to.contain('camunda:delegateExpression="${pushTaskPublish}"')
      .and.contain('camunda:asyncBefore="true"');
    expect(publish.body).to.contain(RETRY_CYCLE);
    const timer = element('intermediateCatchEvent', 'Event_NoReplyYet');
    expect(timer.body).to.contain('${blockSettings.republishAfter(execution)}').and.contain(RETRY_CYCLE);
    expect(outgoing(timer.body).map(targetOf)).to.deep.equal(['Gateway_Publish']);
  });

  it('runs its hot path in the engine: no call activity, and a script only on the error and timeout paths', () => {
    expect(xml).to.not.contain('<bpmn:callActivity');
    const scripts = [...xml.matchAll(/<bpmn:scriptTask id="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.sort()).to.deep.equal(['Activity_NoteTimeout', 'Activity_RaiseError']);
    expect(xml).to.not.contain('<camunda:script');
    expect(element('sequenceFlow', 'Flow_Completed').body).to.contain('${pushTaskOutcome.completed(execution)}');
  });

  it('a heartbeat leads back to the wait, where a fresh re-publish timer is armed', () => {
    const gateway = element('eventBasedGateway', 'Gateway_NextEvent');
    expect(outgoing(gateway.body).map(targetOf).sort()).to.deep.equal(['Event_Heartbeat', 'Event_NoReplyYet']);
    const heartbeat = element('intermediateCatchEvent', 'Event_Heartbeat');
    expect(heartbeat.body).to.contain('messageRef="Message_PushTaskHeartbeat"');
    expect(outgoing(element('exclusiveGateway', 'Gateway_Waiting').body).map(targetOf)).to.deep.equal([
      'Gateway_NextEvent',
    ]);
    expect(outgoing(heartbeat.body).map(targetOf)).to.deep.equal(['Gateway_Waiting']);
  });

  it('the reply is awaited without an async continuation and terminates the wait, as the deadline does', () => {
    const receive = element('receiveTask', 'Activity_AwaitReply');
    expect(receive.attributes).to.contain('messageRef="Message_PushTaskReply"').and.not.contain('camunda:async');
    for (const end of ['Event_ReplyReceived', 'Event_TimedOut']) {
      expect(element('endEvent', end).body, end).to.contain('bpmn:terminateEventDefinition');
    }
    expect(element('message', 'Message_PushTaskReply').attributes).to.contain('name="PushTaskReply"');
    expect(element('message', 'Message_PushTaskHeartbeat').attributes).to.contain('name="PushTaskHeartbeat"');
    expect(element('intermediateCatchEvent', 'Event_DeadlinePassed').body).to.contain('>${deadline}</bpmn:timeDate>');
  });

  it('raises the error asyncBefore, in a job that makes an incident soon, and retries from it on retryPushTask', () => {
    const raise = element('scriptTask', 'Activity_RaiseError');
    expect(raise.attributes).to.contain('camunda:asyncBefore="true"');
    expect(raise.body).to.contain('<camunda:failedJobRetryTimeCycle>R3/PT1S</camunda:failedJobRetryTimeCycle>');
    expect(raise.body)
      .to.contain("execution.getVariable('retryPushTask')")
      .and.contain('ErrorDeclarationForProcessInstanceFinder');
    expect(outgoing(raise.body).map(targetOf)).to.deep.equal(['Gateway_NewAttempt']);
    expect(outgoing(element('exclusiveGateway', 'Gateway_NewAttempt').body).map(targetOf)).to.deep.equal([
      'Activity_CreateRequest',
    ]);
  });
});
