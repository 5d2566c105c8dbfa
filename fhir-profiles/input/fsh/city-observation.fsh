Profile: CityObservation
Parent: Observation
Id: city-observation
Title: "City Observation"
Description: "A measurement or finding about a city Patient: categorised, coded, dated, with a value (UCUM when a quantity) or the reason it is absent."
* ^status = #active
* ^jurisdiction = urn:iso:std:iso:3166#RU "Russian Federation"
* obeys city-obs-value and city-obs-ucum

* status MS
* category 1..* MS
* code MS
* code.coding 1..* MS
* subject 1..1 MS
* subject only Reference(Patient)
* encounter MS
* encounter only Reference(Encounter)
* effective[x] 1..1 MS
* effective[x] only dateTime or Period
* performer MS
* value[x] MS
* dataAbsentReason MS
