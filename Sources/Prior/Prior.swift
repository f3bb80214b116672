// Prior: see its issue.
