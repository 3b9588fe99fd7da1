import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config';

describe('echo-function config', () => {
  const base = { ENGINE_URL: 'https://camunda-abc.a.run.app' };

  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.engineUrl).to.equal('https://camunda-abc.a.run.app');
    expect(config.messageEndpoint).to.equal('https://camunda-abc.a.run.app/engine-rest/message');
    expect(config.auth).to.equal('none');
    expect(config.audience).to.equal('https://camunda-abc.a.run.app');
    expect(config.timeoutMs).to.equal(10_000);
    expect([...config.knownMessageNames]).to.deep.equal(['echo']);
    expect(config.basicAuth).to.equal(undefined);
  });

  it('defaults to ID tokens on Google Cloud, where K_SERVICE is set', () => {
    expect(loadConfig({ ...base, K_SERVICE: 'echo' }).auth).to.equal('id-token');
    expect(loadConfig({ ...base, K_SERVICE: 'echo', ENGINE_AUTH: 'none' }).auth).to.equal('none');
    expect(loadConfig({ ...base, ENGINE_AUTH: 'id-token' }).auth).to.equal('id-token');
  });

  it('keeps a base path and drops trailing slashes', () => {
    const config = loadConfig({ ENGINE_URL: 'http://127.0.0.1:8080/camunda//' });
    expect(config.messageEndpoint).to.equal('http://127.0.0.1:8080/camunda/engine-rest/message');
    expect(config.audience).to.equal('http://127.0.0.1:8080/camunda');
  });

  it('reads every optional variable', () => {
    const config = loadConfig({
      ...base,
      ENGINE_AUDIENCE: 'custom-audience',
      ENGINE_TIMEOUT_MS: '2500',
      KNOWN_MESSAGE_NAMES: ' echo, resize ,,ping ',
      ENGINE_BASIC_AUTH_USER: 'demo',
      ENGINE_BASIC_AUTH_PASSWORD: 's3cret',
    });
    expect(config.audience).to.equal('custom-audience');
    expect(config.timeoutMs).to.equal(2500);
    expect([...config.knownMessageNames]).to.deep.equal(['echo', 'resize', 'ping']);
    expect(config.basicAuth).to.deep.equal({ user: 'demo', password: 's3cret' });
  });

  const rejected: Array<[string, Record<string, string>, string]> = [
    ['a missing ENGINE_URL', {}, 'ENGINE_URL'],
    ['a blank ENGINE_URL', { ENGINE_URL: '  ' }, 'ENGINE_URL'],
    ['an ENGINE_URL that is no URL', { ENGINE_URL: 'camunda:8080' }, 'ENGINE_URL'],
    ['a non-http ENGINE_URL', { ENGINE_URL: 'ftp://camunda' }, 'ENGINE_URL'],
    ['an ENGINE_URL with a query', { ENGINE_URL: 'http://camunda/?x=1' }, 'ENGINE_URL'],
    ['an unknown ENGINE_AUTH', { ...base, ENGINE_AUTH: 'oauth' }, 'ENGINE_AUTH'],
    ['a zero timeout', { ...base, ENGINE_TIMEOUT_MS: '0' }, 'ENGINE_TIMEOUT_MS'],
    ['a fractional timeout', { ...base, ENGINE_TIMEOUT_MS: '1.5' }, 'ENGINE_TIMEOUT_MS'],
    ['a timeout beyond the ack deadline', { ...base, ENGINE_TIMEOUT_MS: '600001' }, 'ENGINE_TIMEOUT_MS'],
    ['an empty name list', { ...base, KNOWN_MESSAGE_NAMES: ' , ' }, 'KNOWN_MESSAGE_NAMES'],
    ['a bad message name', { ...base, KNOWN_MESSAGE_NAMES: 'echo,rm -rf' }, 'KNOWN_MESSAGE_NAMES'],
    ['a password without a user', { ...base, ENGINE_BASIC_AUTH_PASSWORD: 'x' }, 'ENGINE_BASIC_AUTH_USER'],
    ['a user without a password', { ...base, ENGINE_BASIC_AUTH_USER: 'demo' }, 'ENGINE_BASIC_AUTH_PASSWORD'],
  ];
  for (const [what, env, variable] of rejected) {
    it(`rejects ${what}, naming ${variable}`, () => {
      let thrown: unknown;
      try {
        loadConfig(env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(ConfigError);
      expect((thrown as ConfigError).variable).to.equal(variable);
      expect((thrown as Error).message).to.contain(variable);
    });
  }

  it('never puts the password in an error message', () => {
    expect(() => loadConfig({ ...base, ENGINE_BASIC_AUTH_PASSWORD: 'hunter2-secret' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.does.not.contain('hunter2-secret');
  });
});
