Profile: CityEncounter
Parent: Encounter
Id: city-encounter
Title: "City Encounter"
Description: "A visit or stay at a city health care organization: always says which organization provided it (serviceProvider) and what kind of encounter it was (class)."
* ^status = #active
* ^jurisdiction = urn:iso:std:iso:3166#RU "Russian Federation"

* class MS
* class from CityEncounterClass (required)
* class ^short = "ambulatory | emergency | inpatient | home | virtual | ..."
* subject 1..1 MS
* subject only Reference(Patient)
* period 1..1 MS
* period.start 1..1 MS
* serviceProvider 1..1 MS
* serviceProvider only Reference(Organization)
* serviceProvider ^short = "The organization (polyclinic, hospital) that provided the encounter"

ValueSet: CityEncounterClass
Id: city-encounter-class
Title: "City Encounter Class"
Description: "The kinds of encounter the city record distinguishes: the members of v3 ActEncounterCode used in R4."
* ^status = #active
* ^experimental = false
* $v3-ActCode#AMB "ambulatory"
* $v3-ActCode#EMER "emergency"
* $v3-ActCode#FLD "field"
* $v3-ActCode#HH "home health"
* $v3-ActCode#IMP "inpatient encounter"
* $v3-ActCode#ACUTE "inpatient acute"
* $v3-ActCode#NONAC "inpatient non-acute"
* $v3-ActCode#OBSENC "observation encounter"
* $v3-ActCode#PRENC "pre-admission"
* $v3-ActCode#SS "short stay"
* $v3-ActCode#VR "virtual"
