/**
 * Identifier systems of the Russian registries used in seeded data. The OIDs follow the Russian
 * PKI/EGISZ arc (1.2.643.100.x for SNILS and OGRN); OMS_SYSTEM is provisional until the profile
 * work confirms the NSI OID for the single OMS policy number.
 */

/** СНИЛС, the individual insurance account number of the Pension and Social Fund. */
export const SNILS_SYSTEM = 'urn:oid:1.2.643.100.3';

/** Единый номер полиса ОМС (16 digits), compulsory medical insurance. */
export const OMS_SYSTEM = 'urn:oid:1.2.643.5.1.13.13.99.2.4';

/** ОГРН, the primary state registration number of a legal entity (13 digits). */
export const OGRN_SYSTEM = 'urn:oid:1.2.643.100.1';
