import { getSearchParameterRegistry } from './registry/search-parameter-registry';
import { SUBSETTED, subsetter } from './elements';

getSearchParameterRegistry();
const patient = JSON.stringify({
  resourceType: 'Patient',
  id: 'p',
  meta: { versionId: '1', tag: [{ system: 'x', code: 'y' }] },
  text: { status: 'generated', div: '<div/>' },
  name: [{ family: 'A' }],
  birthDate: '1970',
  _birthDate: { extension: [] },
  deceasedBoolean: false,
  communication: [{ language: { text: 'ru' } }],
});

describe('_elements and _summary', () => {
  it('is undefined when nothing is subsetted', () => {
    expect(subsetter(undefined, undefined)).toBeUndefined();
    expect(subsetter('false', [])).toBeUndefined();
  });

  it('keeps the named elements, their primitive extensions and choice types, and tags SUBSETTED', () => {
    const out = JSON.parse(subsetter(undefined, ['birthDate', 'deceased'])!('Patient', patient));
    expect(Object.keys(out)).toEqual(['resourceType', 'id', 'meta', 'birthDate', '_birthDate', 'deceasedBoolean']);
    expect(out.meta.tag).toEqual([{ system: 'x', code: 'y' }, SUBSETTED]);
  });

  it('summary=true keeps the summary elements of the type', () => {
    const out = JSON.parse(subsetter('true', undefined)!('Patient', patient));
    expect(Object.keys(out)).toEqual(['resourceType', 'id', 'meta', 'name', 'birthDate', '_birthDate', 'deceasedBoolean']);
  });

  it('summary=text and summary=data', () => {
    expect(Object.keys(JSON.parse(subsetter('text', undefined)!('Patient', patient)))).toEqual(['resourceType', 'id', 'meta', 'text']);
    expect(JSON.parse(subsetter('data', undefined)!('Patient', patient)).text).toBeUndefined();
  });
});
