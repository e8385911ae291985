"""Stories: copies of one news story across outlets, grouped so a rule alerts once.

`signature` makes a document's signature (pure), `grouping` decides whether two
documents are copies (pure), `keeper` assigns each new document to a story through the
store.
"""
