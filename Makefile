# Sozialplanung StädteRegion Aachen – Einstiegspunkte. Logik steckt in `python -m analysis`.
# `make` ohne Ziel zeigt diese Hilfe.

PY    ?= python3
VENV  ?= .venv
BIN   := $(VENV)/bin
DATA  ?= data/demo
OUT   ?= reports
CONFIG ?= config/report.yaml
STAMP := $(VENV)/.installed
# a value as one single-quoted shell word: paths with spaces or ' stay one argument
q = '$(subst ','\'',$(1))'

.DEFAULT_GOAL := help
.PHONY: help setup report pdf validate texte need test test-fast lint lab benchmark demo-data browser-deps clean

help: ## Diese Hilfe anzeigen
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'
	@echo '  Variablen:' DATA=$(call q,$(DATA)) OUT=$(call q,$(OUT)) CONFIG=$(call q,$(CONFIG))

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP) ## Python-Umgebung .venv anlegen (nur wenn sich etwas geändert hat)

report: setup ## Daten prüfen und Sozialbericht + Handlungskonzept-Anhang nach OUT bauen
	$(BIN)/python -m analysis report --data $(call q,$(DATA)) --config $(call q,$(CONFIG)) --output $(call q,$(OUT))

pdf: setup ## Wie report, zusätzlich die PDF-Ausgabe beider Berichte (A4, getaggt)
	$(BIN)/python -m analysis report --pdf --data $(call q,$(DATA)) --config $(call q,$(CONFIG)) --output $(call q,$(OUT))

validate: setup ## Nur die Daten in DATA gegen den Datenvertrag prüfen
	$(BIN)/python -m analysis validate $(call q,$(DATA)) --config $(call q,$(CONFIG))

texte: setup ## Eigenen Textordner (CONFIG) mit der Programmvorlage abgleichen; fehlende Satzbausteine mit ERGAENZEN=1 übernehmen
	$(BIN)/python -m analysis texte --config $(call q,$(CONFIG)) $(if $(ERGAENZEN),--ergaenzen)

need: setup ## Handlungsbedarf je Sozialraum nach OUT/handlungsbedarf.csv schreiben
	$(BIN)/python -m analysis need --data $(call q,$(DATA)) --config $(call q,$(CONFIG)) --output $(call q,$(OUT)/handlungsbedarf.csv)

browser-deps: ## Chromium und axe-core für die Barrierefreiheitstests bereitstellen
	sh tests/e2e/install-browser-deps.sh

test: setup browser-deps ## Alle Tests (Unit, Notebooks, Ende-zu-Ende, Browser/axe), ruff und Schichtenprüfung
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: setup ## Nur die schnellen Unit-Tests
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

lint: setup ## Code mit ruff und die Schichten des Pakets mit import-linter prüfen
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports

lab: setup ## JupyterLab auf den Kapitel-Notebooks starten
	$(BIN)/jupyter lab notebooks/

benchmark: setup ## Laufzeiten messen, Ergebnis in benchmark/results.md
	$(BIN)/python -m analysis benchmark

demo-data: setup ## Synthetische Demodaten neu erzeugen (byte-identisch)
	$(BIN)/python -m analysis demo --output data/demo

clean: ## Umgebung, Zwischenstände und gebaute Berichte löschen (in OUT nur, was der Build angelegt hat)
	PYTHONPATH=src $(PY) -m analysis clean --output $(call q,$(OUT))
	rm -rf $(call q,$(VENV)) .build
