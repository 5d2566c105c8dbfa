// Identifier systems (NamingSystems in naming-systems.fsh) and code systems used by the profiles.
Alias: $snils = urn:oid:1.2.643.100.3
Alias: $oms = urn:oid:1.2.643.2.69.1.1.1.6.228
Alias: $v2-0203 = http://terminology.hl7.org/CodeSystem/v2-0203
Alias: $v3-ActCode = http://terminology.hl7.org/CodeSystem/v3-ActCode
Alias: $obs-category = http://terminology.hl7.org/CodeSystem/observation-category
Alias: $loinc = http://loinc.org
Alias: $ucum = http://unitsofmeasure.org
