Instance: auditevent-purpose-of-use
InstanceOf: SearchParameter
Usage: #definition
Title: "AuditEvent purpose of use"
* url = "https://kartoteka.example/fhir/SearchParameter/auditevent-purpose-of-use"
* name = "purpose-of-use"
* status = #active
* date = "2024-11-28"
* publisher = "Kartoteka"
* description = "The purpose of use recorded for the access (AuditEvent.purposeOfEvent), e.g. BTG for break-glass access."
* code = #purpose-of-use
* base = #AuditEvent
* type = #token
* expression = "AuditEvent.purposeOfEvent"
* xpath = "f:AuditEvent/f:purposeOfEvent"
* xpathUsage = #normal
