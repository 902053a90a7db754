"""Small-area social reporting and action concept (Sozialbericht, Handlungskonzept).

Layers, each importing only from the layers below it (checked by import-linter in
``make test``): build → views → rendering → method → gate → contract → common."""
