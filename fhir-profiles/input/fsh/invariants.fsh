// FHIRPath invariants of the city profiles. Each one evaluates to true or false for every
// Identifier (never to empty, which validators treat as a failure), so it can sit on the
// Identifier element itself and other FHIR tools can reuse it as is.

Invariant: snils-checksum
Description: "A SNILS (system urn:oid:1.2.643.100.3) is 11 digits, no separators; the last two are the check number of the first nine: the sum of each digit times its weight 9..1, mod 101, mod 100 (so 100 and 101 give 00). Numbers up to 001-001-998 predate the rule and carry any check number."
Severity: #error
Expression: "system.where($this = 'urn:oid:1.2.643.100.3').empty() or (value.exists() and value.matches('^[0-9]{11}$') and (value.substring(0, 9).toInteger() <= 1001998 or ((value.substring(0, 1).toInteger() * 9 + value.substring(1, 1).toInteger() * 8 + value.substring(2, 1).toInteger() * 7 + value.substring(3, 1).toInteger() * 6 + value.substring(4, 1).toInteger() * 5 + value.substring(5, 1).toInteger() * 4 + value.substring(6, 1).toInteger() * 3 + value.substring(7, 1).toInteger() * 2 + value.substring(8, 1).toInteger() * 1) mod 101) mod 100 = value.substring(9, 2).toInteger()))"

Invariant: oms-number-format
Description: "An OMS single policy number (единый номер полиса ОМС, system urn:oid:1.2.643.2.69.1.1.1.6.228) is exactly 16 digits, no separators."
Severity: #error
Expression: "system.where($this = 'urn:oid:1.2.643.2.69.1.1.1.6.228').empty() or (value.exists() and value.matches('^[0-9]{16}$'))"

Invariant: city-obs-value
Description: "An Observation states a value, the reason it is absent, components or members."
Severity: #error
Expression: "value.exists() or dataAbsentReason.exists() or component.exists() or hasMember.exists()"

Invariant: city-obs-ucum
Description: "A quantity value is coded in UCUM (system http://unitsofmeasure.org with a code)."
Severity: #error
Expression: "value.ofType(Quantity).empty() or (value.ofType(Quantity).system = 'http://unitsofmeasure.org' and value.ofType(Quantity).code.exists())"
