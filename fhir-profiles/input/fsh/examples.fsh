// Examples, one per profile: valid by construction, checked by src/profiles/profile-package.spec.ts
// against their profiles with an independent validator. They are in the package's example/
// folder and are never loaded into the server.

Instance: city-patient-example
InstanceOf: CityPatient
Usage: #example
Title: "Иванов Иван Иванович"
* identifier[snils].use = #official
* identifier[snils].system = $snils
* identifier[snils].value = "11223344595"
* identifier[oms].use = #official
* identifier[oms].system = $oms
* identifier[oms].value = "7798299768000012"
* active = true
* name.use = #official
* name.family = "Иванов"
* name.given[0] = "Иван"
* name.given[1] = "Иванович"
* name.text = "Иванов Иван Иванович"
* gender = #male
* birthDate = "1980-04-12"
* managingOrganization = Reference(Organization/polyclinic-12) "Городская поликлиника № 12"

Instance: city-encounter-example
InstanceOf: CityEncounter
Usage: #example
Title: "A visit to the attached polyclinic"
* status = #finished
* class = $v3-ActCode#AMB "ambulatory"
* subject = Reference(Patient/city-patient-example)
* period.start = "2024-11-20T09:30:00+03:00"
* period.end = "2024-11-20T09:50:00+03:00"
* serviceProvider = Reference(Organization/polyclinic-12)

Instance: city-observation-example
InstanceOf: CityObservation
Usage: #example
Title: "Body weight at the visit"
* status = #final
* category = $obs-category#vital-signs "Vital Signs"
* code = $loinc#29463-7 "Body weight"
* subject = Reference(Patient/city-patient-example)
* encounter = Reference(Encounter/city-encounter-example)
* effectiveDateTime = "2024-11-20T09:40:00+03:00"
* valueQuantity = 82.5 'kg' "kg"
