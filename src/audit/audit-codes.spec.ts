import { actionOf, interactionOfRequest, outcomeOf, targetOfRequest } from './audit-codes';

describe('audit codes', () => {
  it.each([
    ['GET', [], 'search-system'],
    ['POST', [], 'batch'],
    ['GET', ['metadata'], 'capabilities'],
    ['GET', ['_history'], 'history-system'],
    ['GET', ['Patient'], 'search-type'],
    ['HEAD', ['Patient'], 'search-type'],
    ['POST', ['Patient'], 'create'],
    ['PUT', ['Patient'], 'update'],
    ['POST', ['Patient', '_search'], 'search-type'],
    ['GET', ['Patient', '_history'], 'history-type'],
    ['GET', ['Patient', '1'], 'read'],
    ['PUT', ['Patient', '1'], 'update'],
    ['PATCH', ['Patient', '1'], 'patch'],
    ['DELETE', ['Patient', '1'], 'delete'],
    ['GET', ['Patient', '1', '_history'], 'history-instance'],
    ['GET', ['Patient', '1', '_history', '2'], 'vread'],
    ['GET', ['Patient', '1', '$everything'], 'operation'],
    ['GET', ['AuditEvent', '$verify'], 'operation'],
  ])('%s /%j is %s', (method, path, interaction) => {
    expect(interactionOfRequest(method, path as string[])).toBe(interaction);
  });

  it('maps interactions to BALP actions', () => {
    expect(['create', 'update', 'patch', 'delete', 'read', 'vread', 'history-instance', 'search-type', 'operation', 'transaction'].map((i) => actionOf(i as never)))
      .toEqual(['C', 'U', 'U', 'D', 'R', 'R', 'R', 'E', 'E', 'E']);
  });

  it('maps statuses to outcomes: 0 success, 4 refused, 8 server failure', () => {
    expect([200, 201, 304, 400, 401, 403, 404, 410, 429, 500, 503].map(outcomeOf)).toEqual(['0', '0', '0', '4', '4', '4', '4', '4', '4', '8', '8']);
  });

  it('names the resource a request aimed at', () => {
    expect(targetOfRequest(['Observation', 'o-1'])).toEqual({ type: 'Observation', id: 'o-1' });
    expect(targetOfRequest(['Observation', 'o-1', '_history', '2'])).toEqual({ type: 'Observation', id: 'o-1' });
    expect(targetOfRequest(['Observation', '_search'])).toBeUndefined();
    expect(targetOfRequest(['Observation', '$validate'])).toBeUndefined();
    expect(targetOfRequest(['Observation'])).toBeUndefined();
    expect(targetOfRequest(['observation', 'x'])).toBeUndefined();
    expect(targetOfRequest(['Observation', 'bad id'])).toBeUndefined();
  });
});
