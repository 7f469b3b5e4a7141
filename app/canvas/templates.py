"""The canvas templates, as data: one source for the grid, titles, guiding questions, the
PDF and the JSON format. Adding a template means adding an entry to ``TEMPLATES``; no view
or template code names a block.

Facts and licences: ``shared/canvas-templates.md``. The Value Proposition Canvas is not
Creative Commons and is deliberately absent.

Every block key is unique within its template (the Triple Layered BMC's layers use
different keys), so a note, a comment or a diff names its block by key alone. Text fields
come in ``_de``/``_en`` pairs, so the ``localised`` filter reads them like model columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Bilingual:
    """Text fields in ``_de``/``_en`` pairs, read in a given language: a PDF or export is
    written in the canvas's language, whatever the reader's (pages use ``localised``)."""

    def text(self, name: str, locale: str) -> str:
        """The field ``name`` (e.g. ``title``) in ``locale``; German when unknown."""
        return getattr(self, f"{name}_{'en' if locale == 'en' else 'de'}")


@dataclass(frozen=True)
class Block(Bilingual):
    key: str
    area: str  # the CSS grid area, e.g. "kp"
    title_de: str
    title_en: str
    question_de: str
    question_en: str


@dataclass(frozen=True)
class Layer(Bilingual):
    key: str
    title_de: str
    title_en: str
    blocks: tuple[Block, ...]
    # Ten columns, as CSS grid-template-areas rows: wide screens show the familiar canvas.
    grid: tuple[str, ...]


@dataclass(frozen=True)
class Template(Bilingual):
    key: str
    title_de: str
    title_en: str
    layers: tuple[Layer, ...]
    attribution_de: str
    attribution_en: str
    licence: str
    licence_url: str
    # One sentence for the "new canvas" form: what the template is good for.
    summary_de: str = ""
    summary_en: str = ""
    _blocks: dict[str, Block] = field(init=False, repr=False, compare=False)
    _layer_of: dict[str, Layer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        blocks = {block.key: block for layer in self.layers for block in layer.blocks}
        if len(blocks) != sum(len(layer.blocks) for layer in self.layers):
            raise ValueError(f"template {self.key}: a block key is used twice")
        object.__setattr__(self, "_blocks", blocks)
        layer_of = {block.key: layer for layer in self.layers for block in layer.blocks}
        object.__setattr__(self, "_layer_of", layer_of)

    @property
    def block_keys(self) -> tuple[str, ...]:
        """Every block, layer by layer, in reading order."""
        return tuple(self._blocks)

    def block(self, key: str) -> Block | None:
        return self._blocks.get(key)

    def layer(self, key: str | None) -> Layer:
        """The layer ``key``, else the first (an unknown layer in a URL shows the first)."""
        return next((layer for layer in self.layers if layer.key == key), self.layers[0])

    def layer_of(self, block_key: str) -> Layer | None:
        return self._layer_of.get(block_key)


BMC_GRID = (
    "kp kp ka ka vp vp cr cr cs cs",
    "kp kp kr kr vp vp ch ch cs cs",
    "co co co co co rs rs rs rs rs",
)
LEAN_GRID = (
    "pr pr so so uv uv ua ua cs cs",
    "pr pr km km uv uv ch ch cs cs",
    "co co co co co rs rs rs rs rs",
)

BMC_ATTRIBUTION_DE = (
    "Business Model Canvas: Strategyzer AG (strategyzer.com), Alexander Osterwalder und "
    "Yves Pigneur, lizenziert unter CC BY-SA 3.0."
)
BMC_ATTRIBUTION_EN = (
    "Business Model Canvas: Strategyzer AG (strategyzer.com), Alexander Osterwalder and "
    "Yves Pigneur, licensed under CC BY-SA 3.0."
)
CC_BY_SA = "CC BY-SA 3.0"
CC_BY_SA_URL = "https://creativecommons.org/licenses/by-sa/3.0/"

# Reading order on narrow screens: the value proposition first, as the canvas is explained.
ECONOMIC_BLOCKS = (
    Block(
        "value_propositions",
        "vp",
        "Wertangebote",
        "Value Propositions",
        "Welchen Wert liefern wir; welches Problem unserer Kundschaft lösen wir?",
        "What value do we deliver; which customer problem do we solve?",
    ),
    Block(
        "customer_segments",
        "cs",
        "Kundensegmente",
        "Customer Segments",
        "Für wen schaffen wir Wert; wer sind unsere wichtigsten Kundinnen und Kunden?",
        "For whom do we create value; who are our most important customers?",
    ),
    Block(
        "channels",
        "ch",
        "Kanäle",
        "Channels",
        "Über welche Kanäle wollen unsere Kundensegmente erreicht werden?",
        "Through which channels do our segments want to be reached?",
    ),
    Block(
        "customer_relationships",
        "cr",
        "Kundenbeziehungen",
        "Customer Relationships",
        "Welche Beziehung erwartet jedes Segment, dass wir sie aufbauen und pflegen?",
        "What relationship does each segment expect us to build and keep?",
    ),
    Block(
        "revenue_streams",
        "rs",
        "Einnahmequellen",
        "Revenue Streams",
        "Für welchen Wert zahlen unsere Kundinnen und Kunden wirklich, und wie?",
        "For what value will customers really pay, and how?",
    ),
    Block(
        "key_resources",
        "kr",
        "Schlüsselressourcen",
        "Key Resources",
        "Welche physischen, geistigen, menschlichen und finanziellen Ressourcen braucht "
        "das Geschäftsmodell?",
        "Which physical, intellectual, human and financial resources does the model need?",
    ),
    Block(
        "key_activities",
        "ka",
        "Schlüsselaktivitäten",
        "Key Activities",
        "Welche Aktivitäten erfordern unsere Wertangebote, Kanäle, Kundenbeziehungen und "
        "Einnahmequellen?",
        "Which activities do our value propositions, channels, relationships and revenues require?",
    ),
    Block(
        "key_partners",
        "kp",
        "Schlüsselpartner",
        "Key Partners",
        "Wer sind unsere wichtigsten Partner und Lieferanten; welche Ressourcen oder "
        "Aktivitäten beziehen wir von ihnen?",
        "Who are our key partners and suppliers; which resources or activities do we get "
        "from them?",
    ),
    Block(
        "cost_structure",
        "co",
        "Kostenstruktur",
        "Cost Structure",
        "Was sind die wichtigsten Kosten in unserem Geschäftsmodell?",
        "What are the most important costs in our business model?",
    ),
)

ENVIRONMENTAL_BLOCKS = (
    Block(
        "functional_value",
        "vp",
        "Funktionaler Nutzen",
        "Functional Value",
        "Welche zentrale Leistung (Menge, Qualität, Dauer) liefern wir?",
        "What focal output (quantity, quality, duration) do we deliver?",
    ),
    Block(
        "use_phase",
        "cs",
        "Nutzungsphase",
        "Use Phase",
        "Welche Wirkungen entstehen bei der Nutzung durch die Kundschaft (Energie, "
        "Verbrauchsmaterial, Wartung)?",
        "What impacts come from the customer's use (energy, consumables, maintenance)?",
    ),
    Block(
        "distribution",
        "ch",
        "Distribution",
        "Distribution",
        "Wie werden Güter transportiert: Verkehrsmittel, Entfernungen, Gewichte, Verpackung?",
        "How are goods transported: modes, distances, weights, packaging?",
    ),
    Block(
        "end_of_life",
        "cr",
        "Nutzungsende",
        "End-of-Life",
        "Was geschieht nach der Nutzung: Wiederverwendung, Aufbereitung, Recycling, "
        "Entsorgung; wer ist verantwortlich?",
        "What happens after use: reuse, remanufacture, recycle, dispose; who is responsible?",
    ),
    Block(
        "environmental_benefits",
        "rs",
        "Umweltnutzen",
        "Environmental Benefits",
        "Welchen ökologischen Wert schaffen wir durch geringere Wirkungen oder Regeneration?",
        "What ecological value do we create through reduced impact or regeneration?",
    ),
    Block(
        "materials",
        "kr",
        "Materialien",
        "Materials",
        "Welche biophysischen Bestände und Materialien liefern den funktionalen Nutzen?",
        "Which bio-physical stocks and materials deliver the functional value?",
    ),
    Block(
        "production",
        "ka",
        "Produktion",
        "Production",
        "Welche Kernaktivitäten führen wir aus, und welche Wirkungen haben sie (Energie, "
        "Emissionen, Abfall)?",
        "Which core activities do we perform and what are their impacts (energy, "
        "emissions, waste)?",
    ),
    Block(
        "supplies_outsourcing",
        "kp",
        "Zulieferung und Outsourcing",
        "Supplies and Outsourcing",
        "Welche benötigten, aber nicht zum Kern gehörenden Materialien und "
        "Produktionsschritte kommen von anderen, mit welcher Wirkung?",
        "Which needed but non-core materials and production steps come from others, with "
        "what impact?",
    ),
    Block(
        "environmental_impacts",
        "co",
        "Umweltwirkungen",
        "Environmental Impacts",
        "Was sind die ökologischen Kosten (CO2e, Wasser, Ressourcenverbrauch, Gesundheit)?",
        "What are the ecological costs (CO2e, water, resource depletion, health)?",
    ),
)

SOCIAL_BLOCKS = (
    Block(
        "social_value",
        "vp",
        "Gesellschaftlicher Wert",
        "Social Value",
        "Welcher Teil unserer Mission nützt Anspruchsgruppen und Gesellschaft?",
        "Which part of our mission benefits stakeholders and society?",
    ),
    Block(
        "end_user",
        "cs",
        "Endnutzende",
        "End-User",
        "Wie erfüllt das Angebot die Bedürfnisse der Endnutzenden und verbessert ihre "
        "Lebensqualität?",
        "How does the offer meet end users' needs and improve their quality of life?",
    ),
    Block(
        "scale_of_outreach",
        "ch",
        "Reichweite",
        "Scale of Outreach",
        "Wie tief und breit sind unsere Beziehungen zu Anspruchsgruppen über Zeit und Ort?",
        "How deep and broad are our stakeholder relationships over time and place?",
    ),
    Block(
        "societal_culture",
        "cr",
        "Gesellschaftliche Kultur",
        "Societal Culture",
        "Wie wirkt unser Handeln auf die Gesellschaft, und wie könnte es sie positiv prägen?",
        "How do our actions affect, and could positively shape, society?",
    ),
    Block(
        "social_benefits",
        "rs",
        "Sozialer Nutzen",
        "Social Benefits",
        "Welchen positiven gesellschaftlichen Wert schafft unser Handeln?",
        "What positive social value do our actions create?",
    ),
    Block(
        "employees",
        "kr",
        "Mitarbeitende",
        "Employees",
        "Wer arbeitet für uns; Bezahlung, Vielfalt, Weiterbildung, Wohlbefinden?",
        "Who works for us; pay, diversity, training, wellbeing?",
    ),
    Block(
        "governance",
        "ka",
        "Unternehmensführung",
        "Governance",
        "Wie sind Eigentum, Struktur und Entscheidungen organisiert; wie transparent und inklusiv?",
        "How are ownership, structure and decisions organised; how transparent and inclusive?",
    ),
    Block(
        "local_communities",
        "kp",
        "Lokale Gemeinschaften",
        "Local Communities",
        "Welche Beziehungen bauen wir zu unseren lokalen Gemeinschaften und denen unserer "
        "Zulieferer auf?",
        "Which relationships do we build with our own and our suppliers' local communities?",
    ),
    Block(
        "social_impacts",
        "co",
        "Soziale Kosten",
        "Social Impacts",
        "Was sind die sozialen Kosten (Arbeitsbedingungen, Gesundheit und Sicherheit, "
        "Gemeinschaften)?",
        "What are the social costs (working conditions, health and safety, communities)?",
    ),
)

LEAN_BLOCKS = (
    Block(
        "problem",
        "pr",
        "Problem",
        "Problem",
        "Welches sind die drei wichtigsten Probleme Ihrer Kundschaft; wie löst sie diese heute?",
        "What are your customers' top three problems; how do they solve them today?",
    ),
    Block(
        "customer_segments",
        "cs",
        "Kundensegmente",
        "Customer Segments",
        "Wer sind Ihre Zielkunden; wer sind die Early Adopters?",
        "Who are your target customers; who are the early adopters?",
    ),
    Block(
        "unique_value_proposition",
        "uv",
        "Alleinstellungsmerkmal",
        "Unique Value Proposition",
        "Welche eine, klare Botschaft macht Sie anders und kaufenswert?",
        "What single, clear message makes you different and worth buying?",
    ),
    Block(
        "solution",
        "so",
        "Lösung",
        "Solution",
        "Was ist die einfachste Lösung für jedes der Probleme?",
        "What is the simplest solution to each problem?",
    ),
    Block(
        "channels",
        "ch",
        "Kanäle",
        "Channels",
        "Auf welchen Wegen erreichen Sie Ihre Kundschaft?",
        "Which paths reach your customers?",
    ),
    Block(
        "revenue_streams",
        "rs",
        "Einnahmequellen",
        "Revenue Streams",
        "Wie verdienen Sie Geld: Preismodell, Kundenwert, Marge?",
        "How do you make money: pricing, lifetime value, margin?",
    ),
    Block(
        "cost_structure",
        "co",
        "Kostenstruktur",
        "Cost Structure",
        "Was kosten Kundengewinnung, Vertrieb, Betrieb und Personal?",
        "What do customer acquisition, distribution, operations and people cost?",
    ),
    Block(
        "key_metrics",
        "km",
        "Schlüsselkennzahlen",
        "Key Metrics",
        "An welchen Kennzahlen erkennen Sie, dass das Geschäft funktioniert?",
        "Which numbers tell you that the business works?",
    ),
    Block(
        "unfair_advantage",
        "ua",
        "Unfairer Vorteil",
        "Unfair Advantage",
        "Was kann niemand leicht kopieren oder kaufen?",
        "What cannot easily be copied or bought?",
    ),
)

TEMPLATES: dict[str, Template] = {
    template.key: template
    for template in (
        Template(
            key="bmc",
            title_de="Business Model Canvas",
            title_en="Business Model Canvas",
            layers=(Layer("economic", "Ökonomisch", "Economic", ECONOMIC_BLOCKS, BMC_GRID),),
            attribution_de=BMC_ATTRIBUTION_DE,
            attribution_en=BMC_ATTRIBUTION_EN,
            licence=CC_BY_SA,
            licence_url=CC_BY_SA_URL,
            summary_de=(
                "Der Klassiker: neun Blöcke vom Wertversprechen bis zu den Einnahmen, für ein "
                "bestehendes oder neues Geschäftsmodell."
            ),
            summary_en=(
                "The classic: nine blocks from the value proposition to revenue, for an existing "
                "or a new business model."
            ),
        ),
        Template(
            key="tlbmc",
            title_de="Triple Layered Business Model Canvas",
            title_en="Triple Layered Business Model Canvas",
            layers=(
                Layer("economic", "Ökonomisch", "Economic", ECONOMIC_BLOCKS, BMC_GRID),
                Layer(
                    "environmental", "Ökologisch", "Environmental", ENVIRONMENTAL_BLOCKS, BMC_GRID
                ),
                Layer("social", "Sozial", "Social", SOCIAL_BLOCKS, BMC_GRID),
            ),
            attribution_de=(
                "Triple Layered Business Model Canvas nach Joyce & Paquin (2016), Journal of "
                "Cleaner Production 135, 1474–1486, doi:10.1016/j.jclepro.2016.06.067. "
                + BMC_ATTRIBUTION_DE
            ),
            attribution_en=(
                "Triple Layered Business Model Canvas after Joyce & Paquin (2016), Journal of "
                "Cleaner Production 135, 1474–1486, doi:10.1016/j.jclepro.2016.06.067. "
                + BMC_ATTRIBUTION_EN
            ),
            licence=CC_BY_SA,
            licence_url=CC_BY_SA_URL,
            summary_de=(
                "Das Business Model Canvas mit einer ökologischen und einer sozialen Ebene: für "
                "nachhaltige Geschäftsmodelle."
            ),
            summary_en=(
                "The Business Model Canvas with an environmental and a social layer: for "
                "sustainable business models."
            ),
        ),
        Template(
            key="lean",
            title_de="Lean Canvas",
            title_en="Lean Canvas",
            layers=(Layer("lean", "Lean Canvas", "Lean Canvas", LEAN_BLOCKS, LEAN_GRID),),
            attribution_de=(
                "Lean Canvas: Ash Maurya (leanstack.com), nach dem Business Model Canvas, "
                "lizenziert unter CC BY-SA 3.0."
            ),
            attribution_en=(
                "Lean Canvas: Ash Maurya (leanstack.com), adapted from the Business Model "
                "Canvas, licensed under CC BY-SA 3.0."
            ),
            licence=CC_BY_SA,
            licence_url=CC_BY_SA_URL,
            summary_de=(
                "Für Gründungen und neue Produkte: Problem, Lösung und Kennzahlen statt Partnern "
                "und Ressourcen."
            ),
            summary_en=(
                "For start-ups and new products: problem, solution and metrics instead of partners "
                "and resources."
            ),
        ),
    )
}


def get(key: str | None) -> Template | None:
    return TEMPLATES.get(key or "")


@dataclass(frozen=True)
class Colour:
    key: str
    name_de: str
    name_en: str


# A small palette; each canvas may give the colours a meaning (its legend).
COLOURS = (
    Colour("yellow", "Gelb", "Yellow"),
    Colour("green", "Grün", "Green"),
    Colour("blue", "Blau", "Blue"),
    Colour("pink", "Rosa", "Pink"),
    Colour("purple", "Lila", "Purple"),
)
COLOUR_KEYS = tuple(colour.key for colour in COLOURS)
