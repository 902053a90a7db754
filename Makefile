# Sozialplanung StädteRegion Aachen – Einstiegspunkte. Logik steckt in `python -m analysis`.
# `make` ohne Ziel zeigt diese Hilfe.

PY    ?= python3
VENV  ?= .venv
BIN   := $(VENV)/bin
DATA  ?= data/demo
OUT   ?= reports
CONFIG ?= config/report.yaml
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup report validate need test test-fast lint lab benchmark demo-data browser-deps clean

help: ## Diese Hilfe anzeigen
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'
	@echo "  Variablen: DATA=$(DATA)  OUT=$(OUT)  CONFIG=$(CONFIG)"

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP) ## Python-Umgebung .venv anlegen (nur wenn sich etwas geändert hat)

report: setup ## Daten prüfen und Sozialbericht + Handlungskonzept-Anhang nach OUT bauen
	$(BIN)/python -m analysis report --data $(DATA) --config $(CONFIG) --output $(OUT)

validate: setup ## Nur die Daten in DATA gegen den Datenvertrag prüfen
	$(BIN)/python -m analysis validate $(DATA) --config $(CONFIG)

need: setup ## Handlungsbedarf je Sozialraum nach OUT/handlungsbedarf.csv schreiben
	$(BIN)/python -m analysis need --data $(DATA) --config $(CONFIG) --output $(OUT)/handlungsbedarf.csv

browser-deps: ## Chromium und axe-core für die Barrierefreiheitstests bereitstellen
	sh tests/e2e/install-browser-deps.sh

test: setup browser-deps ## Alle Tests (Unit, Notebooks, Ende-zu-Ende, Browser/axe) und ruff
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: setup ## Nur die schnellen Unit-Tests
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

lint: setup ## Code mit ruff prüfen
	$(BIN)/ruff check src tests

lab: setup ## JupyterLab auf den Kapitel-Notebooks starten
	$(BIN)/jupyter lab notebooks/

benchmark: setup ## Laufzeiten messen, Ergebnis in benchmark/results.md
	$(BIN)/python -m analysis benchmark

demo-data: setup ## Synthetische Demodaten neu erzeugen (byte-identisch)
	$(BIN)/python -m analysis demo --output data/demo

clean: ## Umgebung, Zwischenstände und gebaute Berichte löschen
	rm -rf $(VENV) .build $(OUT)/sozialbericht $(OUT)/handlungskonzept $(OUT)/.current $(OUT)/.versions $(OUT)/.build
