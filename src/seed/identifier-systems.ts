/**
 * Identifier systems of the Russian registries used in seeded data. The OIDs follow the Russian
 * PKI/EGISZ arc (1.2.643.100.x for SNILS and OGRN). OMS_SYSTEM is the one the NamingSystem of
 * fhir-profiles/ names (NamingSystem/oms); src/profiles/naming-systems.spec.ts keeps them equal.
 */

/** СНИЛС, the individual insurance account number of the Pension and Social Fund. */
export const SNILS_SYSTEM = 'urn:oid:1.2.643.100.3';

/** Единый номер полиса ОМС (16 digits), compulsory medical insurance. */
export const OMS_SYSTEM = 'urn:oid:1.2.643.2.69.1.1.1.6.228';

/** ОГРН, the primary state registration number of a legal entity (13 digits). */
export const OGRN_SYSTEM = 'urn:oid:1.2.643.100.1';
