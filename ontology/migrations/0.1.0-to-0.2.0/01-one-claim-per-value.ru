# rule: a 0.1 coding with several values becomes one claim per value, each to carry its own evidence
# rule@zh: 含多个取值的 0.1 编码记录拆分为每个取值一条编码断言,以便各自附上证据
# The deprecated terms were renamed before this rule runs (fw:Coding → fw:Claim, fw:codedValue →
# fw:claimValue, …). A claim keeps its first value (in the order of their lexical forms); every other
# value moves to a new claim <claim-vN> that copies the claim's other statements.
PREFIX fw: <https://w3id.org/dataflywheel/ontology#>

DELETE { ?claim fw:claimValue ?value }
INSERT {
  ?copy ?p ?o .
  ?copy fw:claimValue ?value .
}
WHERE {
  ?claim a fw:Claim ;
      fw:claimValue ?value .
  FILTER (isIRI(?claim))
  FILTER EXISTS { ?claim fw:claimValue ?earlier FILTER (STR(?earlier) < STR(?value)) }
  BIND (IRI(CONCAT(STR(?claim), "-v", SUBSTR(MD5(STR(?value)), 1, 8))) AS ?copy)
  ?claim ?p ?o .
  FILTER (?p != fw:claimValue)
}
