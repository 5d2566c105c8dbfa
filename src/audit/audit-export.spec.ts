import { FhirError } from '../fhir/errors/fhir-error';
import { csvField, csvLine, parseExportRequest } from './audit-export';

describe('audit export formats', () => {
  it('quotes CSV fields per RFC 4180 and neutralises formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvField(undefined)).toBe('');
  });

  it('writes one AuditEvent as one CSV record', () => {
    const e = {
      resourceType: 'AuditEvent', id: 'a-1', type: { code: 'rest' }, subtype: [{ code: 'read' }], action: 'R',
      recorded: '2026-03-01T10:00:00.123Z', outcome: '0',
      purposeOfEvent: [{ coding: [{ code: 'BTG' }], text: 'ER, unconscious' }],
      agent: [{ role: [{ coding: [{ code: 'clinician' }] }], who: { reference: 'Practitioner/pr-1' }, requestor: true, network: { address: '10.0.0.7' } }],
      entity: [
        { what: { reference: 'Observation/o-1' }, role: { code: '4' } },
        { what: { reference: 'Patient/p-1' }, role: { code: '1' } },
        { role: { code: '24' }, query: 'eA==' },
      ],
    };
    expect(csvLine(JSON.stringify(e))).toBe('a-1,2026-03-01T10:00:00.123Z,rest,read,R,0,Practitioner/pr-1,clinician,10.0.0.7,BTG,Patient/p-1,Observation/o-1\r\n');
  });

  it('parses since, until and format, refusing anything else with 400', () => {
    expect(parseExportRequest(new URLSearchParams('since=2026-03-01T00:00:00Z&until=2026-03-02&format=csv'))).toEqual({
      since: new Date('2026-03-01T00:00:00Z'), until: new Date('2026-03-02T00:00:00Z'), format: 'csv',
    });
    expect(parseExportRequest(new URLSearchParams(''))).toEqual({ since: undefined, until: undefined, format: 'ndjson' });
    for (const bad of ['format=xml', 'since=yesterday', 'until=2026-13-01', 'patient=1', 'since=2026-03-01T10:00']) {
      expect(() => parseExportRequest(new URLSearchParams(bad))).toThrow(FhirError);
    }
  });
});
