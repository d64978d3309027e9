"""PDF documents of cases: the decision letters (决定书) and the CJK fonts they are set in."""
