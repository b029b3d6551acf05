// jsii, the bridge to the CDK's JavaScript, is not thread-safe: one test at a time in this project.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
