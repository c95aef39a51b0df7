# rule: a 0.1 data bureau keeps the part it played, technical department, stated outright
# rule@zh: 0.1 的数据管理局保留其承担的角色(技术部门),并明确写出
# fw:DataBureau (deprecated) mixed administrative organs and public service units; which one an
# organisation is cannot be told from 0.1 data, so the coder is asked (see the questions). The part it
# played in 0.1, fw:TechnicalDepartment (its superclass), is written out so it survives that choice.
PREFIX fw: <https://w3id.org/dataflywheel/ontology#>

INSERT { ?unit a fw:TechnicalDepartment }
WHERE { ?unit a fw:DataBureau }
