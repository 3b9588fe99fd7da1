/**
 * The engineering settings of the building blocks, read from the files themselves: they are easy to
 * lose in a Modeler edit and their loss shows only under load or failure (a lost fast reply, a repeated
 * publish, a broken chain after three retries), so they are pinned here.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { BLOCKS, BPMN_DIR } from '../support/bpmn-engine';
import { engineSettingDefault } from '../../components/engine-settings';

const PUBSUB_JAVA = join(__dirname, '../../docker/camunda/src/main/java/camundaserverless/engine/pubsub');

interface XmlElement {
  tag: string;
  attributes: Record<string, string>;
  /** The text between the opening and the closing tag. */
  body: string;
}

/** Every element with this tag (e.g. bpmn:startEvent) in a document we wrote ourselves. */
function elements(xml: string, tag: string): XmlElement[] {
  const found: XmlElement[] = [];
  const open = new RegExp(`<${tag}(\\s[^>]*?)?(/?)>`, 'g');
  for (let match = open.exec(xml); match; match = open.exec(xml)) {
    const attributes: Record<string, string> = {};
    for (const [, name, value] of (match[1] ?? '').matchAll(/([\w:.-]+)="([^"]*)"/g)) attributes[name] = value;
    let body = '';
    if (match[2] !== '/') {
      const close = xml.indexOf(`</${tag}>`, open.lastIndex);
      body = close >= 0 ? xml.slice(open.lastIndex, close) : '';
    }
    found.push({ tag, attributes, body });
  }
  return found;
}

function byId(xml: string, tag: string, id: string): XmlElement {
  const element = elements(xml, tag).find((e) => e.attributes.id === id);
  if (!element) throw new Error(`no ${tag} with id ${id}`);
  return element;
}

/** The engine's beans that run a block's steps on its hot path (docker/camunda/: pushtask/, echoloop/). */
const ENGINE_STEPS: Record<string, string[]> = {
  'PushTask.bpmn': ['${pushTaskCheck}', '${pushTaskRequest}', '${pushTaskPublish}', '${pushTaskRepublish}'],
  'EchoLoop.bpmn': ['${echoLoopCount}'],
};

const files = readdirSync(BPMN_DIR).filter((f) => f.endsWith('.bpmn'));
const read = (file: string) => readFileSync(join(BPMN_DIR, file), 'utf8');

describe('BPMN building blocks, as files', () => {
  it('are exactly the blocks, one process each, named after its file', () => {
    expect(files.sort()).to.deep.equal(BLOCKS.map((key) => `${key}.bpmn`).sort());
    for (const file of files) {
      const processes = elements(read(file), 'bpmn:process');
      expect(
        processes.map((p) => p.attributes.id),
        file,
      ).to.deep.equal([file.replace('.bpmn', '')]);
      expect(processes[0].attributes.isExecutable).to.equal('true');
      expect(processes[0].attributes.name, `${file} has a process name`).to.be.a('string').and.not.be.empty;
    }
  });

  it("script only in Groovy; Java only as the engine's own beans (the blocks already read blockSettings)", () => {
    for (const file of files) {
      const xml = read(file);
      const formats = [...xml.matchAll(/scriptFormat="([^"]*)"/g)].map((m) => m[1]);
      expect(formats.length, file).to.be.greaterThan(0);
      expect(new Set(formats), file).to.deep.equal(new Set(['groovy']));
      expect(xml, file).to.not.match(/camunda:resource=|camunda:class=/);
      const delegates = [...xml.matchAll(/camunda:delegateExpression="([^"]*)"/g)].map((m) => m[1]);
      expect(delegates, file).to.deep.equal(ENGINE_STEPS[file] ?? []);
    }
  });

  it('use readable ids', () => {
    const readable =
      /^(Definitions|Process|Activity|Event|Gateway|Flow|Error|Message|ErrorEventDefinition|MessageEventDefinition|TimerEventDefinition|TerminateEventDefinition|BPMNDiagram|BPMNPlane)_[A-Z][A-Za-z0-9]*(_di)?$/;
    for (const file of files) {
      const ids = [...read(file).matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
      const processId = file.replace('.bpmn', '');
      expect(
        ids.filter((id) => id !== processId && !readable.test(id) && !readable.test(id.replace(/_di$/, ''))),
        file,
      ).to.deep.equal([]);
    }
  });

  // An event subprocess's message start event is a subscription of its running instance, which
  // Camunda correlates like any waiting execution: it never starts an instance of its own.
  it('no message start event of a process, so an unmatched reply can never start one', () => {
    const eventSubprocess = /<bpmn:subProcess\b[^>]*\btriggeredByEvent="true"[^>]*>[\s\S]*?<\/bpmn:subProcess>/g;
    for (const file of files) {
      for (const start of elements(read(file).replace(eventSubprocess, ''), 'bpmn:startEvent')) {
        expect(start.body, `${file} ${start.attributes.id}`).to.not.contain('messageEventDefinition');
      }
    }
  });

  it('no call activity with an uncaught BPMN error path that could complete silently: every HttpError is caught and fails technically', () => {
    for (const file of ['FetchToken.bpmn', 'PubsubPublish.bpmn']) {
      const xml = read(file);
      const boundaries = elements(xml, 'bpmn:boundaryEvent');
      expect(boundaries, file).to.have.length(1);
      const [boundary] = boundaries;
      const flow = elements(boundary.body, 'bpmn:outgoing')[0].body;
      const handler = byId(xml, 'bpmn:scriptTask', byId(xml, 'bpmn:sequenceFlow', flow).attributes.targetRef);
      expect(handler.body, `${file}: the handler logs an ERROR and throws`)
        .to.match(/\.error\(/)
        .and.match(/throw new/);
    }
    expect(
      elements(read('PubsubPublish.bpmn'), 'bpmn:endEvent').every((e) => !e.body.includes('errorEventDefinition')),
    ).to.equal(true);
  });

  // A job must end within its lock (JOB_LOCK_TIME_MS) or a second engine runs it meanwhile; its lock
  // runs from acquisition, so a job queued behind another waits for that one first. The engine aborts
  // each call a second after its timeout (HttpCallDeadline), so the timeouts bound a job's HTTP time.
  it('bound every HTTP call of a publish so that two publish jobs in a row end within the job lock', () => {
    const timeoutOf = (file: string, callId: string): number => {
      const call = byId(read(file), 'bpmn:callActivity', callId);
      const mapping = elements(call.body, 'camunda:in').find((e) => e.attributes.target === 'timeout');
      const ms = /^\$\{(\d+)\}$/.exec(mapping?.attributes.sourceExpression ?? '');
      if (!ms) throw new Error(`${file} ${callId}: no literal timeout mapping (\${<ms>})`);
      return Number(ms[1]);
    };
    const token = timeoutOf('FetchToken.bpmn', 'Activity_RequestToken');
    const publish = timeoutOf('PubsubPublish.bpmn', 'Activity_Publish');
    expect([token, publish]).to.deep.equal([2000, 6000]);
    const request = byId(read('Http.bpmn'), 'bpmn:serviceTask', 'Activity_SendRequest').body;
    expect(request, "Http's default timeout").to.match(/timeout == null \? 10000 :/);
    // PushTask's own one-step publish (docker/camunda/.../pubsub/) has the same two bounds.
    const javaTimeout = (file: string) => {
      const source = readFileSync(join(PUBSUB_JAVA, file), 'utf8');
      const seconds = /static final Duration TIMEOUT = Duration\.ofSeconds\((\d+)\);/.exec(source);
      if (!seconds) throw new Error(`${file}: no TIMEOUT = Duration.ofSeconds(<s>)`);
      return Number(seconds[1]) * 1000;
    };
    expect([javaTimeout('MetadataServerCredentials.java'), javaTimeout('PubsubPublisher.java')]).to.deep.equal([
      token,
      publish,
    ]);
    const callMs = (timeout: number) => timeout + 1000; // HttpCallDeadline.GRACE_MS, BoundedCall.GRACE
    // PubsubPublish is the only block that calls Http twice in one job; PushTask calls nothing.
    const lockMs = Number(engineSettingDefault('JOB_LOCK_TIME_MS'));
    const engineWorkMs = 1500; // scripts, the database, a garbage collection: milliseconds, usually
    expect(2 * (callMs(token) + callMs(publish) + engineWorkMs), 'two publish jobs in a row').to.be.at.most(lockMs);
    expect(2 * (callMs(10000) + engineWorkMs), 'two jobs of one call at the default').to.be.at.most(lockMs);
  });

  it('no process sets its own historyTimeToLive: the engine setting applies to all', () => {
    for (const file of files) expect(read(file), file).to.not.contain('historyTimeToLive');
  });

  it('EchoLoop: stops on the message StopEchoLoop, in an interrupting event subprocess of the loop itself', () => {
    const xml = read('EchoLoop.bpmn');
    const stopLoop = byId(xml, 'bpmn:subProcess', 'Activity_StopLoop');
    expect(stopLoop.attributes.triggeredByEvent).to.equal('true');
    const stop = byId(stopLoop.body, 'bpmn:startEvent', 'Event_StopRequested');
    expect(stop.attributes.isInterrupting ?? 'true').to.equal('true');
    const [definition] = elements(stop.body, 'bpmn:messageEventDefinition');
    expect(byId(xml, 'bpmn:message', definition.attributes.messageRef).attributes.name).to.equal('StopEchoLoop');
    // A boundary event on the call would store a subscription anew in every iteration.
    expect(elements(xml, 'bpmn:boundaryEvent'), 'boundary events').to.deep.equal([]);
    expect(byId(xml, 'bpmn:callActivity', 'Activity_CallEcho').attributes.calledElement).to.equal('PushTask');
  });
});
