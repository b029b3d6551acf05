using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>A resource whose success is finishing with exit code 0, not becoming healthy.</summary>
public interface IRunsToCompletion : IResource;
