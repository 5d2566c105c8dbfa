// The national identifiers the city record deduplicates patients on (CONTRACT.md, "Identity of
// patients"). R4 NamingSystem has no url: the systems are named by uniqueId.

Instance: snils
InstanceOf: NamingSystem
Usage: #definition
Title: "SNILS"
* name = "SNILS"
* status = #active
* kind = #identifier
* date = "2024-11-28"
* publisher = "Kartoteka"
* responsible = "Social Fund of Russia (Социальный фонд России)"
* type = $v2-0203#SS "Social Security number"
* description = "СНИЛС, the individual insurance account number: 11 digits, written without separators (printed as 123-456-789 01); the last two digits are a check number (invariant snils-checksum of the city-patient profile)."
* jurisdiction = urn:iso:std:iso:3166#RU "Russian Federation"
* usage = "One per person, for life. The city record allows one active Patient per SNILS."
* uniqueId[0].type = #uri
* uniqueId[0].value = "urn:oid:1.2.643.100.3"
* uniqueId[0].preferred = true
* uniqueId[1].type = #oid
* uniqueId[1].value = "1.2.643.100.3"
* uniqueId[1].preferred = false

Instance: oms
InstanceOf: NamingSystem
Usage: #definition
Title: "OMS single policy number"
* name = "OMSSinglePolicyNumber"
* status = #active
* kind = #identifier
* date = "2024-11-28"
* publisher = "Kartoteka"
* responsible = "Federal Compulsory Medical Insurance Fund (ФОМС)"
* type = $v2-0203#SN "Subscriber Number"
* description = "Единый номер полиса ОМС (ЕНП), the single number of the compulsory medical insurance policy: 16 digits, without separators (invariant oms-number-format of the city-patient profile). The system is the OID under which regional FHIR integrations (N3.Health) exchange the policy number of the single form."
* jurisdiction = urn:iso:std:iso:3166#RU "Russian Federation"
* usage = "One per insured person; it stays when the insurer changes. The city record allows one active Patient per number."
* uniqueId[0].type = #uri
* uniqueId[0].value = "urn:oid:1.2.643.2.69.1.1.1.6.228"
* uniqueId[0].preferred = true
* uniqueId[1].type = #oid
* uniqueId[1].value = "1.2.643.2.69.1.1.1.6.228"
* uniqueId[1].preferred = false
