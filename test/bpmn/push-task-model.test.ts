/**
 * The engineering settings of bpmn/PushTask.bpmn, read from the file (as test/bpmn/models.test.ts does
 * for the other blocks): easy to lose in a Modeler edit, and their loss shows only under load or failure.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { BPMN_DIR } from '../support/bpmn-engine';

const ENGINE_SOURCES = join(
  __dirname,
  '..',
  '..',
  'docker',
  'camunda',
  'src',
  'main',
  'java',
  'camundaserverless',
  'engine',
);

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
  it('publishes after the commit without a job, and again from the one timer, retrying on the configurable cycle', () => {
    const publish = element('serviceTask', 'Activity_PublishTask');
    expect(publish.attributes)
      .to.contain('camunda:delegateExpression="${pushTaskPublish}"')
      .and.not.contain('camunda:async');
    const timer = element('boundaryEvent', 'Event_NoReplyYet');
    expect(timer.attributes)
      .to.contain('attachedToRef="Activity_AwaitReply"')
      .and.not.contain('cancelActivity="false"');
    // The Java hand-over of a publish that failed after its commit finds the timer by this id.
    const handover = readFileSync(join(ENGINE_SOURCES, 'pushtask', 'PublishHandover.java'), 'utf8');
    expect(handover).to.contain('TIMER_ACTIVITY = "Event_NoReplyYet"');
    expect(timer.body).to.contain('>${pushTaskTimer.dueDate(execution)}</bpmn:timeDate>').and.contain(RETRY_CYCLE);
    expect(outgoing(timer.body).map(targetOf)).to.deep.equal(['Gateway_DeadlinePassed']);
    const again = element('serviceTask', 'Activity_PublishAgain');
    expect(again.attributes)
      .to.contain('camunda:delegateExpression="${pushTaskRepublish}"')
      .and.not.contain('camunda:async');
    expect(targetOf('Flow_NotYet')).to.equal('Activity_PublishAgain');
    expect(outgoing(again.body).map(targetOf)).to.deep.equal(['Gateway_Waiting']);
  });

  it('runs its hot path in the engine: no call activity, and a script only on the error and timeout paths', () => {
    expect(xml).to.not.contain('<bpmn:callActivity');
    const scripts = [...xml.matchAll(/<bpmn:scriptTask id="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.sort()).to.deep.equal(['Activity_NoteTimeout', 'Activity_RaiseError']);
    expect(xml).to.not.contain('<camunda:script');
    expect(element('sequenceFlow', 'Flow_Completed').body).to.contain('${pushTaskOutcome.completed(execution)}');
  });

  it('waits in one receive task with one timer and no subprocess, fork or event-based gateway', () => {
    for (const costly of [
      '<bpmn:subProcess',
      '<bpmn:parallelGateway',
      '<bpmn:eventBasedGateway',
      'camunda:asyncAfter',
    ]) {
      expect(xml, costly).to.not.contain(costly);
    }
    expect([...xml.matchAll(/<bpmn:timerEventDefinition /g)]).to.have.length(1);
    expect([...xml.matchAll(/camunda:asyncBefore="true"/g)], 'only the raise step is a job').to.have.length(1);
  });

  it('a heartbeat is a reply "working" that leads back to the wait, where a fresh re-publish timer is armed', () => {
    expect(xml, 'no second subscription on the wait').to.not.contain('<bpmn:messageEventDefinition');
    expect(outgoing(element('receiveTask', 'Activity_AwaitReply').body).map(targetOf)).to.deep.equal([
      'Gateway_StillWorking',
    ]);
    const stillWorking = element('exclusiveGateway', 'Gateway_StillWorking');
    expect(stillWorking.attributes).to.contain('default="Flow_ReplyFinal"');
    expect(outgoing(stillWorking.body).map(targetOf)).to.deep.equal(['Gateway_Waiting', 'Gateway_WaitEnded']);
    expect(element('sequenceFlow', 'Flow_StillWorking').body).to.contain('${pushTaskOutcome.working(execution)}');
    expect(outgoing(element('exclusiveGateway', 'Gateway_Waiting').body).map(targetOf)).to.deep.equal([
      'Activity_AwaitReply',
    ]);
  });

  it('the reply is awaited without an async continuation; the timer ends the wait at the deadline', () => {
    const receive = element('receiveTask', 'Activity_AwaitReply');
    expect(receive.attributes).to.contain('messageRef="Message_PushTaskReply"').and.not.contain('camunda:async');
    expect(element('message', 'Message_PushTaskReply').attributes).to.contain('name="PushTaskReply"');
    expect([...xml.matchAll(/<bpmn:message /g)], 'one message: replies and heartbeats alike').to.have.length(1);
    expect(element('sequenceFlow', 'Flow_DeadlinePassed').body).to.contain(
      '${pushTaskTimer.deadlinePassed(execution)}',
    );
    expect(element('exclusiveGateway', 'Gateway_DeadlinePassed').attributes).to.contain('default="Flow_NotYet"');
    expect(targetOf('Flow_DeadlinePassed')).to.equal('Activity_NoteTimeout');
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
