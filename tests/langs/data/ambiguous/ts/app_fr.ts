<TS version="2.1" language="fr_FR">
<context>
    <name>Dialog</name>
    <message><source>Cancel</source><translation>Annuler</translation></message>
</context>
</TS>
