Profile: CityPatient
Parent: Patient
Id: city-patient
Title: "City Patient"
Description: "A person in the unified city medical record: identified by SNILS and the OMS single policy number, named in the Russian order (family; first name and patronymic as the given names), attached to a polyclinic."
* ^status = #active
* ^jurisdiction = urn:iso:std:iso:3166#RU "Russian Federation"
* obeys city-patient-identity

* identifier MS
* identifier ^short = "SNILS, OMS single policy number, and any local identifiers"
* identifier obeys snils-checksum and oms-number-format
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "By system: the national identifiers this record deduplicates on"
* identifier contains snils 0..1 MS and oms 0..1 MS
* identifier[snils] ^short = "СНИЛС: individual insurance account number (11 digits)"
* identifier[snils].system 1..1
* identifier[snils].system = $snils (exactly)
* identifier[snils].value 1..1
* identifier[snils].value ^short = "11 digits, no separators (printed as 123-456-789 01)"
* identifier[oms] ^short = "Единый номер полиса ОМС: the OMS single policy number (16 digits)"
* identifier[oms].system 1..1
* identifier[oms].system = $oms (exactly)
* identifier[oms].value 1..1
* identifier[oms].value ^short = "16 digits, no separators"

* name 1..* MS
* name.family 1..1 MS
* name.family ^short = "Фамилия (family name)"
* name.given 1..2 MS
* name.given ^short = "Имя, then Отчество (first name, then patronymic)"
* name.given ^definition = "The first name, then the patronymic (отчество) as the second given name when the person has one. Nothing else goes here."

* gender 1..1 MS
* birthDate 1..1 MS

* managingOrganization 1..1 MS
* managingOrganization only Reference(Organization)
* managingOrganization ^short = "The polyclinic the patient is attached to (прикрепление)"
* managingOrganization ^definition = "The city polyclinic the patient is attached to for primary care; clinicians of that organization see the record."

Invariant: city-patient-identity
Description: "A city Patient carries a SNILS or an OMS single policy number, the identifiers one person is recognised by across polyclinics."
Severity: #error
Expression: "identifier.where(system = 'urn:oid:1.2.643.100.3' or system = 'urn:oid:1.2.643.2.69.1.1.1.6.228').exists()"
