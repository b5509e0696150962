<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ApprovalsInbox</name>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>%n request</numerusform>
            <numerusform>%n requests</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ChecklistView</name>
    <message numerus="yes">
        <source>%n required action(s) still open.</source>
        <translation>
            <numerusform>%n required action still open.</numerusform>
            <numerusform>%n required actions still open.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CustomerBoardModel</name>
    <message numerus="yes">
        <source>%n open deal(s)</source>
        <translation>
            <numerusform>%n open deal</numerusform>
            <numerusform>%n open deals</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) in this state</source>
        <translation>
            <numerusform>%n day in this state</numerusform>
            <numerusform>%n days in this state</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CustomerBoardWidget</name>
    <message numerus="yes">
        <source>%n customer(s)</source>
        <translation>
            <numerusform>%n customer</numerusform>
            <numerusform>%n customers</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CustomerCardDelegate</name>
    <message numerus="yes">
        <source>%n open deal(s)</source>
        <translation>
            <numerusform>%n open deal</numerusform>
            <numerusform>%n open deals</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) in state</source>
        <translation>
            <numerusform>%n day in state</numerusform>
            <numerusform>%n days in state</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DealListDialog</name>
    <message numerus="yes">
        <source>%n deal(s)</source>
        <translation>
            <numerusform>%n deal</numerusform>
            <numerusform>%n deals</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(%n deleted deal(s) not listed)</source>
        <translation>
            <numerusform>(%n deleted deal not listed)</numerusform>
            <numerusform>(%n deleted deals not listed)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DetailPanel</name>
    <message numerus="yes">
        <source>Approvals (%n pending)</source>
        <translation>
            <numerusform>Approvals (%n pending)</numerusform>
            <numerusform>Approvals (%n pending)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ErrorDialog</name>
    <message numerus="yes">
        <source>%n more error(s) happened since; see the log file.</source>
        <translation>
            <numerusform>%n more error happened since; see the log file.</numerusform>
            <numerusform>%n more errors happened since; see the log file.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LeadsWindow</name>
    <message numerus="yes">
        <source>%n lead(s)</source>
        <translation>
            <numerusform>%n lead</numerusform>
            <numerusform>%n leads</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Discard %n lead(s)? They stay stored with status Discarded.</source>
        <translation>
            <numerusform>Discard %n lead? It stays stored with status Discarded.</numerusform>
            <numerusform>Discard %n leads? They stay stored with status Discarded.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n deal(s)</source>
        <translation>
            <numerusform>%n deal</numerusform>
            <numerusform>%n deals</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{shown} of %n deal(s) shown</source>
        <translation>
            <numerusform>{shown} of %n deal shown</numerusform>
            <numerusform>{shown} of %n deals shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n customer(s)</source>
        <translation>
            <numerusform>%n customer</numerusform>
            <numerusform>%n customers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{shown} of %n customer(s) shown</source>
        <translation>
            <numerusform>{shown} of %n customer shown</numerusform>
            <numerusform>{shown} of %n customers shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StateHeader</name>
    <message numerus="yes">
        <source>%n customer(s)</source>
        <translation>
            <numerusform>%n customer</numerusform>
            <numerusform>%n customers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open deal(s)</source>
        <translation>
            <numerusform>%n open deal</numerusform>
            <numerusform>%n open deals</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Totals cover the customers the filter shows; it hides %n.</source>
        <translation>
            <numerusform>Totals cover the customers the filter shows; it hides %n.</numerusform>
            <numerusform>Totals cover the customers the filter shows; it hides %n.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message numerus="yes">
        <source>%n change(s) not sent</source>
        <translation>
            <numerusform>%n change not sent</numerusform>
            <numerusform>%n changes not sent</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n sync issue(s)</source>
        <translation>
            <numerusform>%n sync issue</numerusform>
            <numerusform>%n sync issues</numerusform>
        </translation>
    </message>
</context>
</TS>
