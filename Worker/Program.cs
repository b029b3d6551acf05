using Platform.Worker.Data;
using Platform.Worker.Features.Diagnostics;
using Platform.Worker.Features.Media;
using Platform.Worker.Messaging;

// The PDF reader's isolated child process (see PdfInspector): parse one file, print the result, exit.
if (args is [PdfInspector.ChildCommand, var pdf])
{
    return PdfInspector.RunChild(pdf, Console.Out);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPlatformNpgsqlDbContext<WorkerDbContext>("postgres");
builder.AddPlatformRedisClient("redis");
builder.AddS3BucketClient("storage");
builder.AddSqsQueueClient("messaging");
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddScoped<IMessageHandler, PingHandler>();
builder.AddMediaProcessing();
builder.AddQueueConsumer("messaging");

var app = builder.Build();

// The Worker serves no traffic: only the health endpoints the AppHost and ECS probe.
app.MapDefaultEndpoints();

app.Run();
return 0;
