"""What each FHIR resource type reads, for whom, and how it is searched.

Every read starts from the clinic's own user-scoped selectors (patients.selectors and the
other apps'), so the FHIR API sees exactly the rows the REST API and the pages would: an
athlete their own record, the front desk demographics and schedules, clinicians the rest.
One module per resource type; ``KINDS`` (fhir_api/selectors/registry.py) lists them all.
"""
