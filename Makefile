# The two commands of the README's Quick start.
.PHONY: demo test install

install:
	./tools/bootstrap

demo: install
	.venv/bin/fedgate demo

test:
	./tools/test
